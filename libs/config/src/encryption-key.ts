import { ValidateBy } from 'class-validator';

/** AES-256 needs exactly this many key bytes. */
export const ENCRYPTION_KEY_BYTES = 32;

/**
 * The key bytes of a 32-byte key written as 64 hex digits or as base64 (standard or url-safe,
 * padding optional), or undefined when the text is neither or decodes to another length.
 */
export function parseEncryptionKey(text: unknown): Buffer | undefined {
  if (typeof text !== 'string') return undefined;
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return undefined;
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === ENCRYPTION_KEY_BYTES ? bytes : undefined;
}

export function IsEncryptionKey(): PropertyDecorator {
  return ValidateBy({
    name: 'isEncryptionKey',
    validator: {
      validate: (value: unknown) => parseEncryptionKey(value) !== undefined,
      defaultMessage: () =>
        `must be ${ENCRYPTION_KEY_BYTES} bytes as base64 or 64 hex digits (openssl rand -base64 32)`,
    },
  });
}

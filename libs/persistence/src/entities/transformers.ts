import { ValueTransformer } from 'typeorm';

/**
 * A numeric column as a number: pg returns numeric as text to keep precision, and mg amounts
 * and clearances fit a JS number exactly enough. For raw rows as well as entities.
 */
export function numberOrNull(value: string | null): number | null {
  return value === null ? null : Number(value);
}

export const numericToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: numberOrNull,
};

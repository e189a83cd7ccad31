import pino from 'pino';
import { Writable } from 'node:stream';
import { baseLoggerOptions } from './logging';

/** Lines a logger built from baseLoggerOptions writes. */
function capture(): { logger: pino.Logger; lines: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { logger: pino(baseLoggerOptions('info', 'test'), sink), lines: () => text };
}

describe('log redaction', () => {
  const token = 'twp_secret-patient-link-token';

  it("never writes a patient link's token, whether in a query or any object", () => {
    const { logger, lines } = capture();
    logger.info({ req: { query: { token }, headers: { authorization: `Bearer ${token}` } } });
    logger.error({ link: { token, id: 'a' } }, 'failed');
    expect(lines()).not.toContain(token);
    expect(lines()).toContain('[redacted]');
    expect(lines()).toContain('"id":"a"');
  });
});

import pino from 'pino';
import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { serializeError } from './error-serializer';
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

describe('error serialization', () => {
  /** A driver error as pg raises it: the value in the message, the row in detail. */
  function driverError(message: string, code: string, detail?: string) {
    return Object.assign(new Error(message), {
      code,
      detail,
      severity: 'ERROR',
      table: 'patients',
    });
  }

  function captureAt(level: 'trace' | 'info') {
    let text = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString('utf8');
        done();
      },
    });
    return { logger: pino(baseLoggerOptions(level, 'test'), sink), lines: () => text };
  }

  it("keeps a failed query's class, message and code, never its parameters, query or detail", () => {
    const mrn = 'MRN-4711-SECRET';
    const error = new QueryFailedError(
      'INSERT INTO patients (external_id, birth_date) VALUES ($1, $2)',
      [mrn, '1950-01-02'],
      driverError(
        'duplicate key value violates unique constraint "patients_tenant_external_id"',
        '23505',
        `Key (tenant_id, external_id)=(t, ${mrn}) already exists.`,
      ),
    );
    const { logger, lines } = captureAt('trace');
    logger.warn({ jobId: '1', err: error }, 'job failed');
    logger.error(error);
    const text = lines();
    expect(text).not.toContain(mrn);
    expect(text).not.toContain('1950-01-02');
    expect(text).not.toContain('INSERT INTO');
    const first = JSON.parse(text.split('\n')[0]!) as { err: Record<string, unknown> };
    expect(first.err).toEqual({
      type: 'QueryFailedError',
      message: 'duplicate key value violates unique constraint "patients_tenant_external_id"',
      code: '23505',
      stack: expect.stringMatching(/^\s+at /),
    });
  });

  it('drops the value Postgres puts at the end of a message, from err and from msg', () => {
    const error = driverError('invalid input syntax for type uuid: "MRN-0042"', '22P02');
    const { logger, lines } = captureAt('info');
    logger.error(error);
    logger.error({ err: error });
    expect(lines()).not.toContain('MRN-0042');
    const line = JSON.parse(lines().split('\n')[0]!) as { msg: string; err: { message: string } };
    expect(line.msg).toBe('invalid input syntax for type uuid: [value]');
    expect(line.err.message).toBe('invalid input syntax for type uuid: [value]');
  });

  it('serializes causes and plain objects by the same rule', () => {
    const cause = driverError('invalid input value for enum role: "nursey"', '22P02');
    const outer = new Error('could not save', { cause });
    expect(serializeError(outer)).toMatchObject({
      type: 'Error',
      message: 'could not save',
      cause: {
        type: 'Error',
        code: '22P02',
        message: 'invalid input value for enum role: [value]',
      },
    });
    expect(serializeError({ message: 'connect ECONNREFUSED', parameters: ['x'] })).toEqual({
      type: 'Object',
      message: 'connect ECONNREFUSED',
    });
  });
});

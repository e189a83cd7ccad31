import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, isUniqueViolation } from './postgres-errors';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['reset', withCode('read ECONNRESET', 'ECONNRESET')],
    ['pool wait', new Error('timeout exceeded when trying to connect')],
    ['connect timeout', new Error('Connection terminated due to connection timeout')],
    ['client connect timeout', new Error('timeout expired')],
    ['dropped', new Error('Connection terminated unexpectedly')],
    ['read timeout', new Error('Query read timeout')],
    ['statement timeout', withCode('canceling statement due to statement timeout', '57014')],
    ['shutting down', withCode('terminating connection due to administrator command', '57P01')],
    ['starting up', withCode('the database system is starting up', '57P03')],
    ['too many clients', withCode('sorry, too many clients already', '53300')],
    ['connection failure', withCode('connection failure', '08006')],
  ])('%s: yes', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('sees through TypeORM and a cause', () => {
    const driver = withCode('canceling statement due to statement timeout', '57014');
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], driver))).toBe(true);
    const dropped = new Error('Connection terminated due to connection timeout', {
      cause: new Error('Connection terminated unexpectedly'),
    });
    expect(isDatabaseUnavailable(new Error('outer', { cause: dropped }))).toBe(true);
  });

  it.each([
    ['unique violation', withCode('duplicate key value', '23505')],
    ['syntax error', withCode('syntax error at or near "x"', '42601')],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['not an error', 'boom'],
    ['nothing', undefined],
  ])('%s: no', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('leaves isUniqueViolation as it was', () => {
    expect(isUniqueViolation(withCode('duplicate key value', '23505'))).toBe(true);
  });
});

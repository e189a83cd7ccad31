import { ProblemException } from '@taperwatch/http';
import { isAfter, parseLastEventId, sseMessage } from './sse';

describe('sse', () => {
  it('writes the id first when there is one', () => {
    expect(sseMessage('alert.created', { id: 'a' }, '42')).toBe(
      'id: 42\nevent: alert.created\ndata: {"id":"a"}\n\n',
    );
    expect(sseMessage('stream.reset', {})).toBe('event: stream.reset\ndata: {}\n\n');
  });

  it('reads Last-Event-ID: absent or blank is no resume; a positive integer is one', () => {
    expect(parseLastEventId(undefined)).toBeUndefined();
    expect(parseLastEventId(' ')).toBeUndefined();
    expect(parseLastEventId('17')).toBe('17');
    expect(parseLastEventId(['3', '9'])).toBe('9');
    expect(parseLastEventId('9223372036854775807')).toBe('9223372036854775807');
  });

  it.each(['0', '-1', '1e3', 'abc', '9223372036854775808', '12345678901234567890'])(
    'refuses %s naming the header',
    (value) => {
      try {
        parseLastEventId(value);
        throw new Error('accepted');
      } catch (error) {
        expect(error).toBeInstanceOf(ProblemException);
        expect((error as ProblemException).problem.errors).toEqual([
          expect.objectContaining({ field: 'Last-Event-ID' }),
        ]);
      }
    },
  );

  it('orders ids as numbers, not text', () => {
    expect(isAfter('10', '9')).toBe(true);
    expect(isAfter('9', '10')).toBe(false);
    expect(isAfter('10', '10')).toBe(false);
  });
});

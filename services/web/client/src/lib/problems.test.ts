import { asSentence, problemSentence } from './problems';

describe('problem+json shown as a plain sentence', () => {
  it('when a hold is refused because the match sold out, then the fan reads why in words', () => {
    expect(
      problemSentence({
        type: 'https://matchday.dev/problems/sold-out',
        title: 'Unprocessable',
        status: 422,
        code: 'SOLD_OUT',
        detail: 'only 1 left',
      }),
    ).toBe('Sorry, there are not enough free places left for this match.');
  });

  it('when the problem has no code, then its type slug still finds the sentence', () => {
    expect(
      problemSentence({ type: 'https://matchday.dev/problems/hold-expired', title: 'x', status: 422 }),
    ).toMatch(/hold ran out of time/);
  });

  it('when a rate limit answers 429 with Retry-After, then the fan is told how long to wait', () => {
    expect(
      problemSentence(
        { type: 'https://matchday.dev/problems/rate-limited', title: 'Too many requests', status: 429 },
        12,
      ),
    ).toBe('You are going a bit fast. Please wait 12 seconds and try again.');
  });

  it('when the request does not match the API, then the invalid fields are named', () => {
    const s = problemSentence({
      title: 'Bad request',
      status: 400,
      errors: [{ path: '/body/quantity', message: 'must be <= 20' }],
    });
    expect(s).toBe('Some of the details are not valid: quantity must be <= 20.');
  });

  it('when a service refuses with an unknown code and a detail, then the detail becomes the sentence', () => {
    expect(
      problemSentence({
        title: 'Unprocessable',
        status: 422,
        code: 'SOMETHING_NEW',
        detail: 'the match kicked off already',
      }),
    ).toBe('The match kicked off already.');
  });

  it('when the server fails, then no internal detail or status code is shown', () => {
    const s = problemSentence({
      title: 'Internal Server Error',
      status: 500,
      detail: 'TypeError: x is undefined at foo.ts:3',
    });
    expect(s).toBe('Something went wrong on our side. Please try again in a moment.');
    expect(s).not.toMatch(/500|TypeError/);
  });

  it('when an upstream service is unavailable, then the fan is asked to retry shortly', () => {
    expect(
      problemSentence({ title: 'Service unavailable', status: 503, detail: 'booking breaker open' }),
    ).toMatch(/busy or unavailable/);
  });

  it('when the token expired, then the fan is asked to sign in again', () => {
    expect(
      problemSentence({
        type: 'https://matchday.dev/problems/token-expired',
        title: 'Unauthorized',
        status: 401,
        detail: '"exp" claim failed',
      }),
    ).toBe('Your sign-in has expired. Please sign in again.');
  });

  it('sentences start with a capital and end with a full stop', () => {
    expect(asSentence('hold expired')).toBe('Hold expired.');
    expect(asSentence('Done!')).toBe('Done!');
  });
});

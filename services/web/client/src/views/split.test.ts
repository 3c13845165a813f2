import { friendOf, payersBody, splitEvenly } from './split';

describe('splitting a booking with friends', () => {
  it('when 10001 cents are split three ways, then the shares add up and the buyer takes the remainder', () => {
    const shares = splitEvenly(10001, 'ana', [friendOf('bo@example.com')!, friendOf('carl')!]);
    expect(shares.map((s) => s.amount)).toEqual([3335, 3333, 3333]);
    expect(shares.reduce((a, s) => a + s.amount, 0)).toBe(10001);
  });

  it('when a friend is given by email or user id, then the payer carries that identity', () => {
    const body = payersBody(splitEvenly(5000, 'ana', [friendOf('bo@example.com')!, friendOf('carl')!]));
    expect(body).toEqual([
      { userId: 'ana', amount: 1668 },
      { payerId: 'bo@example.com', amount: 1666 },
      { userId: 'carl', amount: 1666 },
    ]);
  });

  it('when a friend entry is neither an email nor a user id, then it is refused', () => {
    expect(friendOf('not valid!')).toBeUndefined();
    expect(friendOf('  ')).toBeUndefined();
  });
});

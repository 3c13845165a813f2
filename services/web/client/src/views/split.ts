/**
 * Splitting a booking's total between the buyer and friends: equal shares in minor units, the
 * remainder (at most one unit per payer) going to the buyer so the shares always add up.
 */
export interface Share {
  /** The buyer (`me`) or a friend, by user id or email. */
  who: { kind: 'me'; userId: string } | { kind: 'userId'; userId: string } | { kind: 'email'; email: string };
  amount: number;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const USER_ID_RE = /^[A-Za-z0-9._:-]{1,100}$/;

export function friendOf(input: string): Share['who'] | undefined {
  const v = input.trim();
  if (EMAIL_RE.test(v)) return { kind: 'email', email: v };
  if (USER_ID_RE.test(v)) return { kind: 'userId', userId: v };
  return undefined;
}

export function splitEvenly(total: number, me: string, friends: Share['who'][]): Share[] {
  const payers = 1 + friends.length;
  const base = Math.floor(total / payers);
  const remainder = total - base * payers;
  return [
    { who: { kind: 'me', userId: me }, amount: base + remainder },
    ...friends.map((who) => ({ who, amount: base })),
  ];
}

/**
 * The `payers` member of `POST /v1/bookings` (shares in the booking's currency). A friend known by
 * email has no user id yet: the email names the share (`payerId`), and whoever opens the share's
 * payment link pays it.
 */
export function payersBody(shares: Share[]): Record<string, unknown>[] {
  return shares.map((s) => ({
    ...(s.who.kind === 'email' ? { payerId: s.who.email } : { userId: s.who.userId }),
    amount: s.amount,
  }));
}

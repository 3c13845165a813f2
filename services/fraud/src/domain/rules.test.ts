import { applyLists, type ListEntry } from './lists';
import { DEFAULT_RULE_SET, parseRuleSet, scoreBooking, type BookingSubject, type VersionedRuleSet } from './rules';

const at = new Date('2026-05-01T18:00:00Z');

const buildSubject = (overrides: Partial<BookingSubject> = {}): BookingSubject => ({
  bookingId: 'b-1',
  userId: 'u-1',
  matchId: 'm-1',
  quantity: 2,
  amount: 10000,
  currency: 'EUR',
  at,
  hotMatch: false,
  ...overrides,
});

const rules = (input: unknown = DEFAULT_RULE_SET, version = 1): VersionedRuleSet => ({
  version,
  ruleSet: parseRuleSet(input),
  createdAt: at,
  createdBy: 'test',
});

const buildEntry = (overrides: Partial<ListEntry>): ListEntry => ({
  id: 'e-1',
  list: 'block',
  kind: 'ip',
  value: '203.0.113.9',
  reason: 'test',
  createdBy: 'test',
  createdAt: at,
  ...overrides,
});

describe('scoring a booking against the rules', () => {
  it('when no rule fires, then the score is 0 and the booking is allowed', () => {
    const risk = scoreBooking(buildSubject(), rules(), new Map([['user_velocity', 1]]));
    expect(risk).toEqual({ score: 0, decision: 'allow', reasons: [], rulesVersion: 1 });
  });

  it('when the user reaches the velocity threshold, then the score carries the rule weight and the count as reason', () => {
    const risk = scoreBooking(buildSubject(), rules(), new Map([['user_velocity', 4]]));
    expect(risk.score).toBe(30);
    expect(risk.reasons).toEqual([{ rule: 'user_velocity', weight: 30, detail: '4 bookings by user in 600s (threshold 4)' }]);
  });

  it('when several rules fire, then weights add up to review and then block, capped at 100', () => {
    const review = scoreBooking(buildSubject(), rules(), new Map([['user_velocity', 5], ['rate_limited', 1]]));
    expect(review).toMatchObject({ score: 45, decision: 'review' });
    const block = scoreBooking(buildSubject({ hotMatch: true }), rules(), new Map([['hot_match_bulk', 12], ['card_shared_accounts', 4]]));
    expect(block).toMatchObject({ score: 100, decision: 'block' });
    expect(block.reasons.map((r) => r.rule)).toEqual(['hot_match_bulk', 'card_shared_accounts']);
  });

  it('when the card was issued in another country than the IP, then country_mismatch fires', () => {
    const risk = scoreBooking(buildSubject({ cardCountry: 'br', country: 'DE' }), rules(), new Map());
    expect(risk.reasons).toEqual([{ rule: 'country_mismatch', weight: 20, detail: 'card issued in BR, IP in DE' }]);
  });

  it('when a day-old account places a large order, then new_account_large_order fires; an older account does not', () => {
    const young = buildSubject({ amount: 60000, accountCreatedAt: new Date(at.getTime() - 3600_000) });
    expect(scoreBooking(young, rules(), new Map()).reasons.map((r) => r.rule)).toEqual(['new_account_large_order']);
    const old = buildSubject({ amount: 60000, accountCreatedAt: new Date(at.getTime() - 3 * 86400_000) });
    expect(scoreBooking(old, rules(), new Map()).reasons).toEqual([]);
    const yen = buildSubject({ amount: 60000, currency: 'JPY', accountCreatedAt: new Date(at.getTime() - 3600_000) });
    expect(scoreBooking(yen, rules(), new Map()).reasons).toEqual([]);
  });

  it('when a rule is disabled in the data, then it never fires', () => {
    const set = parseRuleSet(DEFAULT_RULE_SET);
    const disabled = { ...set, rules: set.rules.map((r) => (r.id === 'user_velocity' ? { ...r, enabled: false } : r)) };
    expect(scoreBooking(buildSubject(), rules(disabled, 2), new Map([['user_velocity', 50]]))).toMatchObject({ score: 0, rulesVersion: 2 });
  });
});

describe('rule sets as data', () => {
  it('when review is not below block, then the rule set is refused', () => {
    expect(() => parseRuleSet({ ...DEFAULT_RULE_SET, thresholds: { review: 80, block: 70 } })).toThrow(/review must be below block/);
  });

  it('when two rules share an id or a kind is unknown, then the rule set is refused', () => {
    const dup = { thresholds: { review: 40, block: 70 }, rules: [DEFAULT_RULE_SET.rules[0], DEFAULT_RULE_SET.rules[0]] };
    expect(() => parseRuleSet(dup)).toThrow(/duplicate rule id/);
    const unknown = { thresholds: { review: 40, block: 70 }, rules: [{ id: 'x', kind: 'astrology', weight: 10 }] };
    expect(() => parseRuleSet(unknown)).toThrow();
  });
});

describe('allow and block lists', () => {
  const risky = scoreBooking(buildSubject(), rules(), new Map([['user_velocity', 9], ['rate_limited', 3]]));

  it('when the booking hits the block list, then it is blocked with score 100 and the reason names the kind, not the value', () => {
    const risk = applyLists({ score: 0, decision: 'allow', reasons: [], rulesVersion: 1 }, [buildEntry({})]);
    expect(risk).toMatchObject({ score: 100, decision: 'block' });
    expect(risk.reasons[0]).toEqual({ rule: 'blocklist', weight: 100, detail: 'ip is on the block list (entry e-1)' });
    expect(JSON.stringify(risk)).not.toContain('203.0.113.9');
  });

  it('when the user is on the allow list, then a risky booking is allowed with the rules still listed', () => {
    const risk = applyLists(risky, [buildEntry({ list: 'allow', kind: 'user', value: 'u-1' })]);
    expect(risk.decision).toBe('allow');
    expect(risk.reasons.map((r) => r.rule)).toEqual(['allowlist', 'user_velocity', 'rate_limited']);
  });

  it('when both lists match, then block wins', () => {
    const risk = applyLists(risky, [buildEntry({ list: 'allow', kind: 'user' }), buildEntry({ id: 'e-2', kind: 'card' })]);
    expect(risk.decision).toBe('block');
  });
});

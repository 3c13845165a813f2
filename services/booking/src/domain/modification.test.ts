import { buildBooking, buildMatch } from '../../test/builders';
import { planModification, resolveTargetMatch } from './modification';
import { pickOffers, type WaitlistEntry } from './waitlist';

describe('modification plans', () => {
  const booking = buildBooking({ status: 'CONFIRMED', quantity: 2, unitPrice: 5000, amount: 10000 });

  it('when moving to a dearer match, then all slots are taken there, all given back here and the delta is owed', () => {
    const plan = planModification(booking, buildMatch({ id: 'm2', unitPrice: 7000 }), 2, 'reschedule');
    expect(plan).toMatchObject({ reserve: 2, release: 2, newAmount: 14000, priceDelta: 4000, needsPayment: true });
  });

  it('when moving to a cheaper match, then the difference is refunded and nothing waits', () => {
    const plan = planModification(booking, buildMatch({ id: 'm2', unitPrice: 4000 }), 2, 'reschedule');
    expect(plan).toMatchObject({ priceDelta: -2000, needsPayment: false });
  });

  it('when the count goes up or down on the same match, then only the difference moves, at the booked unit price', () => {
    const match = buildMatch({ unitPrice: 9999 });
    expect(planModification(booking, match, 3, 'quantity')).toMatchObject({ reserve: 1, release: 0, priceDelta: 5000, needsPayment: true });
    expect(planModification(booking, match, 1, 'quantity')).toMatchObject({ reserve: 0, release: 1, priceDelta: -5000, needsPayment: false });
  });

  it('when nothing would change or the currency differs, then the change is refused', () => {
    expect(() => planModification(booking, buildMatch(), 2, 'quantity')).toThrow(/nothing would change/);
    expect(() => planModification(booking, buildMatch({ id: 'm2', currency: 'GBP' }), 2, 'reschedule')).toThrow(/GBP/);
  });
});

describe('resolving a new time or date', () => {
  const current = buildMatch({ id: 'm1', kickoffAt: new Date('2026-04-01T18:00:00Z') });
  const later = buildMatch({ id: 'm2', kickoffAt: new Date('2026-04-01T20:30:00Z') });
  const nextDayEarly = buildMatch({ id: 'm3', kickoffAt: new Date('2026-04-02T12:00:00Z') });
  const nextDaySameTime = buildMatch({ id: 'm4', kickoffAt: new Date('2026-04-02T18:00:00Z') });
  const otherFixture = buildMatch({ id: 'm5', fixtureId: 'fx2', kickoffAt: new Date('2026-04-03T18:00:00Z') });
  const all = [current, later, nextDayEarly, nextDaySameTime, otherFixture];

  it('when a new time is given, then the match of the same fixture kicking off then is the target', () => {
    expect(resolveTargetMatch(current, all, 'time', new Date('2026-04-01T20:30:00Z')).id).toBe('m2');
  });

  it('when a new date is given, then the same-fixture match that day closest to the booked time of day is the target', () => {
    expect(resolveTargetMatch(current, all, 'date', new Date('2026-04-02')).id).toBe('m4');
  });

  it('when no match of the fixture is offered then, then the change is refused', () => {
    expect(() => resolveTargetMatch(current, all, 'date', new Date('2026-04-03'))).toThrow(/no match of this fixture/);
    expect(() => resolveTargetMatch(current, all, 'time', new Date('2026-04-01T19:00:00Z'))).toThrow(/no match/);
  });

  it('when the match has no fixture, then matches at the same venue are the candidates', () => {
    const loose = buildMatch({ id: 'a', fixtureId: null, venue: 'Arena' });
    const sameVenue = buildMatch({ id: 'b', fixtureId: null, venue: 'Arena', kickoffAt: new Date('2026-04-05T18:00:00Z') });
    const elsewhere = buildMatch({ id: 'c', fixtureId: null, venue: 'Park', kickoffAt: new Date('2026-04-05T18:00:00Z') });
    expect(resolveTargetMatch(loose, [sameVenue, elsewhere], 'date', new Date('2026-04-05')).id).toBe('b');
  });
});

describe('waiting-list offers', () => {
  const entry = (seq: number, quantity: number, userId = `u${seq}`): WaitlistEntry => ({
    id: `e${seq}`,
    seq,
    matchId: 'm1',
    userId,
    quantity,
    status: 'WAITING',
    holdId: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  });

  it('when slots free up, then the earliest entries that fit are offered, bigger ones keep their place', () => {
    const picked = pickOffers([entry(3, 1), entry(1, 2), entry(2, 5)], 3, new Set());
    expect(picked.map((e) => e.id)).toEqual(['e1', 'e3']);
  });

  it('when a waiting user already holds slots on the match, then they are passed over', () => {
    expect(pickOffers([entry(1, 1), entry(2, 1)], 1, new Set(['u1'])).map((e) => e.id)).toEqual(['e2']);
  });
});

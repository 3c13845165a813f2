/**
 * The platform's invariants, evaluated over one snapshot of what every service and the provider
 * say about themselves. Pure: `collectSnapshot` (collect.ts) reads, this decides.
 */
import type { SandboxState } from './sandbox';

export interface MatchRecord {
  matchId: string;
  capacity: number;
  available?: number;
  held?: number;
  confirmed?: number;
}

export interface BookingRecord {
  bookingId: string;
  matchId: string;
  userId: string;
  status: string;
  quantity: number;
  amount: number;
  currency: string;
  captured: number;
  refunded: number;
  reversed: number;
}

export interface PaymentRecord {
  paymentId: string;
  bookingId: string;
  intentId?: string;
  payerId?: string;
  status?: string;
  amount?: number;
  currency?: string;
}

export interface NotificationRecord {
  notificationId: string;
  userId: string;
  channel: string;
  sourceEventId?: string;
  sourceEventType?: string;
  bookingId?: string;
  status?: string;
  createdAt?: number;
  sentAt?: number;
}

export interface FindingRecord {
  findingId: string;
  kind: string;
  status: string;
  bookingId?: string;
  intentId?: string;
  detail?: string;
  /** What reconciliation does about it by itself (re-confirm, refund); absent when a person must act. */
  autoAction?: string;
}

export interface OutboxRecord {
  service: string;
  eventId: string;
  type: string;
  /** Without the platform's topic prefix. */
  topic: string;
  published: boolean;
}

export interface InboxRecord {
  group: string;
  eventId: string;
  type: string;
  topic: string;
}

export interface DeadLetterRecord {
  group: string;
  eventId?: string;
  eventType?: string;
  error?: string;
}

export interface StoredWebhook {
  provider: string;
  dedupeKey: string;
}

/** A notification the scenario knows must have been made (e.g. every booker of a rescheduled match). */
export interface ExpectedNotification {
  userId: string;
  eventType: string;
  /** What it is about, for the report: a booking or match id. */
  ref: string;
  bookingId?: string;
}

export interface Snapshot {
  matches: MatchRecord[];
  bookings: BookingRecord[];
  payments?: PaymentRecord[];
  notifications?: NotificationRecord[];
  findings?: FindingRecord[];
  outbox?: OutboxRecord[];
  inbox?: InboxRecord[];
  deadLetters?: DeadLetterRecord[];
  webhooks?: StoredWebhook[];
  sandbox?: SandboxState;
  expectedNotifications?: ExpectedNotification[];
  /** Topics each consumer group subscribes to (without prefix). */
  subscriptions?: Record<string, string[]>;
  /** Where data came from (e.g. "outbox/inbox: each service's events endpoints through the gateway"). */
  notes: string[];
  /** What could not be read, with the reason: an invariant depending on it is UNKNOWN. */
  gaps: string[];
}

export type Verdict = 'PASS' | 'FAIL' | 'UNKNOWN';

export interface InvariantResult {
  name: string;
  verdict: Verdict;
  /** How many things were checked (matches, bookings, intents, events…). */
  checked: number;
  offenders: string[];
  detail?: string;
}

/** Where the architecture says each consumer group listens (gateway keeps no inbox: Redis only). */
export const SUBSCRIPTIONS: Record<string, string[]> = {
  booking: ['payment.events', 'fraud.decisions', 'reconciliation.events', 'inventory.events'],
  payment: ['booking.events', 'fraud.decisions', 'provider.webhooks', 'reconciliation.events'],
  notification: ['booking.events', 'inventory.events', 'payment.events', 'fraud.decisions', 'provider.webhooks'],
  fraud: ['booking.events', 'payment.events', 'gateway.signals'],
  reconciliation: ['booking.events', 'payment.events'],
};

/** Reconciliation finding kinds the platform heals on its own (re-confirm or refund). */
export const SELF_HEALABLE = new Set(['paid_not_confirmed', 'refund_missing', 'charge_without_booking', 'double_charge']);

const HOLDS_SLOTS = new Set(['CONFIRMED', 'DISPUTED']);
const SETTLED_TO_ZERO = new Set(['CANCELLED', 'EXPIRED', 'REVERSED', 'PAYMENT_FAILED']);

const result = (name: string, checked: number, offenders: string[], detail?: string): InvariantResult => ({
  name,
  verdict: offenders.length === 0 ? 'PASS' : 'FAIL',
  checked,
  offenders,
  ...(detail !== undefined && { detail }),
});
/** An invariant over nothing shows nothing: with no offender and nothing checked it is UNKNOWN. */
const resultOverSome = (name: string, checked: number, offenders: string[], detail?: string): InvariantResult =>
  checked === 0 && offenders.length === 0 ? unknown(name, detail ?? 'nothing to check: the run produced none') : result(name, checked, offenders, detail);
const unknown = (name: string, detail: string): InvariantResult => ({ name, verdict: 'UNKNOWN', checked: 0, offenders: [], detail });

/** Confirmed + held slots never exceed capacity (from the bookings themselves, and from the counters). */
export function checkOversell(s: Snapshot): InvariantResult {
  const name = 'slots confirmed + held ≤ capacity';
  if (s.matches.length === 0) return unknown(name, 'no matches read');
  const offenders: string[] = [];
  for (const m of s.matches) {
    const mine = s.bookings.filter((b) => b.matchId === m.matchId);
    const confirmed = mine.filter((b) => HOLDS_SLOTS.has(b.status)).reduce((n, b) => n + b.quantity, 0);
    const pending = mine.filter((b) => b.status === 'PENDING_PAYMENT').reduce((n, b) => n + b.quantity, 0);
    const held = Math.max(pending, m.held ?? 0);
    if (confirmed + held > m.capacity) offenders.push(`${m.matchId}: ${confirmed} confirmed + ${held} held > ${m.capacity}`);
    if (m.confirmed !== undefined && m.confirmed !== confirmed)
      offenders.push(`${m.matchId}: counter says ${m.confirmed} confirmed, bookings say ${confirmed}`);
    if (m.available !== undefined && m.held !== undefined && m.confirmed !== undefined && m.available + m.held + m.confirmed !== m.capacity)
      offenders.push(`${m.matchId}: ${m.available} available + ${m.held} held + ${m.confirmed} confirmed ≠ ${m.capacity}`);
  }
  return resultOverSome(name, s.matches.length, offenders);
}

/** What a booking's money should add up to in its state (undefined: not settled yet). */
export function expectedNet(b: BookingRecord): number | undefined {
  if (HOLDS_SLOTS.has(b.status)) return b.amount;
  if (SETTLED_TO_ZERO.has(b.status)) return 0;
  return undefined;
}

/** Per booking: captured − refunded − reversed equals what its state says. */
export function checkMoneyEquation(s: Snapshot): InvariantResult {
  const name = 'money: captured − refunded − reversed = state';
  const offenders: string[] = [];
  let checked = 0;
  for (const b of s.bookings) {
    const expected = expectedNet(b);
    if (expected === undefined) continue;
    checked++;
    const net = b.captured - b.refunded - b.reversed;
    if (net !== expected)
      offenders.push(`${b.bookingId} ${b.status}: ${b.captured} − ${b.refunded} − ${b.reversed} = ${net}, expected ${expected} ${b.currency}`);
  }
  return resultOverSome(name, checked, offenders);
}

/** No booking is left waiting for payment once the scenario is over. */
export function checkSettled(s: Snapshot): InvariantResult {
  const pending = s.bookings.filter((b) => expectedNet(b) === undefined);
  return resultOverSome('every booking settled', s.bookings.length, pending.map((b) => `${b.bookingId} ${b.status}`));
}

/** Links provider intents to bookings: the payment service's records first, then the intent's metadata. */
export function intentsByBooking(s: Snapshot): Map<string, string[]> {
  const map = new Map<string, Set<string>>();
  const add = (bookingId: string, intentId: string) => {
    const set = map.get(bookingId) ?? new Set<string>();
    set.add(intentId);
    map.set(bookingId, set);
  };
  for (const p of s.payments ?? []) if (p.intentId) add(p.bookingId, p.intentId);
  for (const i of s.sandbox?.stripe.paymentIntents ?? []) {
    const bookingId = i.metadata?.bookingId ?? i.metadata?.booking_id;
    if (bookingId) add(bookingId, i.id);
  }
  return new Map([...map].map(([k, v]) => [k, [...v]]));
}

/** The provider's net per intent: captured − refunded − lost disputes. */
export function providerNet(sandbox: SandboxState): Map<string, { net: number; currency: string; captures: number; overRefunded: boolean }> {
  const out = new Map<string, { net: number; currency: string; captures: number; overRefunded: boolean }>();
  for (const i of sandbox.stripe.paymentIntents) out.set(i.id, { net: 0, currency: i.currency.toUpperCase(), captures: 0, overRefunded: false });
  for (const c of sandbox.stripe.charges) {
    const e = out.get(c.payment_intent);
    if (!e) continue;
    if (c.captured) {
      e.captures++;
      e.net += c.amount_captured - c.amount_refunded;
    }
    // An authorisation released before capture shows as refunded with nothing captured: not money.
    if (c.captured && c.amount_refunded > c.amount_captured) e.overRefunded = true;
  }
  for (const d of sandbox.stripe.disputes) {
    const e = out.get(d.payment_intent);
    if (e && d.status === 'lost') e.net -= d.amount;
  }
  return out;
}

/**
 * The provider's records agree with each booking's state: nothing kept for a settled booking, and
 * exactly the amount kept for a confirmed one (in the booking's currency; for a share paid in another
 * currency the provider's amount is the converted one, so there only "something kept" is checked).
 */
export function checkProviderMoney(s: Snapshot): InvariantResult {
  const name = 'money at the provider matches each booking';
  if (!s.sandbox) return unknown(name, 'provider sandbox state not read');
  const nets = providerNet(s.sandbox);
  const links = intentsByBooking(s);
  const offenders: string[] = [];
  let checked = 0;
  for (const b of s.bookings) {
    const expected = expectedNet(b);
    if (expected === undefined) continue;
    const intents = links.get(b.bookingId) ?? [];
    checked++;
    const perCurrency = new Map<string, number>();
    for (const id of intents) {
      const n = nets.get(id);
      if (n) perCurrency.set(n.currency, (perCurrency.get(n.currency) ?? 0) + n.net);
    }
    const own = perCurrency.get(b.currency.toUpperCase()) ?? 0;
    const foreign = [...perCurrency].filter(([c]) => c !== b.currency.toUpperCase());
    if (expected === 0) {
      const kept = [...perCurrency].filter(([, v]) => v !== 0);
      if (kept.length > 0) offenders.push(`${b.bookingId} ${b.status}: provider still holds ${kept.map(([c, v]) => `${v} ${c}`).join(', ')}`);
    } else if (foreign.length === 0) {
      if (own !== expected) offenders.push(`${b.bookingId} ${b.status}: provider holds ${own} ${b.currency}, expected ${expected}`);
    } else if (own + foreign.reduce((n, [, v]) => n + v, 0) <= 0) {
      offenders.push(`${b.bookingId} ${b.status}: provider holds nothing for a confirmed booking`);
    }
  }
  // Money the provider holds for no booking at all.
  const known = new Set([...links.values()].flat());
  const bookingIds = new Set(s.bookings.map((b) => b.bookingId));
  for (const [intentId, n] of nets) {
    if (n.net === 0) continue;
    const owner = [...links].find(([, ids]) => ids.includes(intentId))?.[0];
    if (!known.has(intentId) || (owner && !bookingIds.has(owner))) offenders.push(`${intentId}: provider holds ${n.net} ${n.currency} for no known booking`);
  }
  return resultOverSome(name, checked, offenders);
}

/** No intent captured twice, no refund above what was captured, no payer share paid twice. */
export function checkCaptures(s: Snapshot): InvariantResult {
  const name = 'one capture per intent, refunds ≤ captured';
  if (!s.sandbox) return unknown(name, 'provider sandbox state not read');
  const nets = providerNet(s.sandbox);
  const offenders: string[] = [];
  for (const [id, n] of nets) {
    if (n.captures > 1) offenders.push(`${id}: captured ${n.captures} times`);
    if (n.overRefunded) offenders.push(`${id}: refunded more than captured`);
  }
  const shares = new Map<string, string[]>();
  for (const i of s.sandbox.stripe.paymentIntents) {
    const bookingId = i.metadata?.bookingId ?? i.metadata?.booking_id;
    const payerId = i.metadata?.payerId ?? i.metadata?.payer_id;
    const purpose = `${i.metadata?.purpose ?? 'booking'}${i.metadata?.modification_id ?? i.metadata?.modificationId ? `:${i.metadata.modification_id ?? i.metadata.modificationId}` : ''}`;
    if (!bookingId || !payerId) continue;
    if ((nets.get(i.id)?.net ?? 0) <= 0) continue;
    const key = `${bookingId}/${payerId}/${purpose}`;
    shares.set(key, [...(shares.get(key) ?? []), i.id]);
  }
  for (const [key, ids] of shares) if (ids.length > 1) offenders.push(`${key}: kept by ${ids.length} intents (${ids.join(', ')})`);
  return result(name, nets.size, offenders);
}

/**
 * Every event in an outbox was published and applied by every consumer group that subscribes to
 * its topic and handles its type (a type the group has applied at least once), or sits in that
 * group's dead letters (counted by the dead-letter invariant).
 */
export function checkEventsApplied(s: Snapshot): InvariantResult {
  const name = 'events: outbox published and applied once per consumer';
  if (!s.outbox || !s.inbox) return unknown(name, 'outbox/inbox not read');
  const subs = s.subscriptions ?? SUBSCRIPTIONS;
  const offenders: string[] = [];
  const handled = new Map<string, Set<string>>();
  const applied = new Map<string, Set<string>>();
  for (const r of s.inbox) {
    (handled.get(r.group) ?? handled.set(r.group, new Set()).get(r.group)!).add(`${r.topic}|${r.type}`);
    (applied.get(r.group) ?? applied.set(r.group, new Set()).get(r.group)!).add(r.eventId);
  }
  const dead = new Set((s.deadLetters ?? []).map((d) => `${d.group}|${d.eventId}`));
  let checked = 0;
  for (const e of s.outbox) {
    if (!e.published) offenders.push(`${e.service} outbox: ${e.type} ${e.eventId} never published`);
    for (const [group, topics] of Object.entries(subs)) {
      if (!topics.includes(e.topic)) continue;
      if (!handled.get(group)?.has(`${e.topic}|${e.type}`)) continue;
      checked++;
      if (!applied.get(group)?.has(e.eventId) && !dead.has(`${group}|${e.eventId}`)) offenders.push(`${group} never applied ${e.type} ${e.eventId}`);
    }
  }
  const published = new Set(s.outbox.map((e) => e.eventId));
  const producedTopics = new Set(s.outbox.map((e) => e.topic));
  for (const r of s.inbox) {
    // An applied event no outbox ever held (only where we see the producer's outbox).
    if (producedTopics.has(r.topic) && !published.has(r.eventId)) offenders.push(`${r.group} applied ${r.type} ${r.eventId} that no outbox holds`);
  }
  return resultOverSome(name, checked, offenders);
}

export function checkDeadLetters(s: Snapshot): InvariantResult {
  const name = 'no dead letters';
  if (!s.deadLetters) return unknown(name, 'dead-letter endpoints not read');
  return result(name, s.deadLetters.length, s.deadLetters.map((d) => `${d.group}: ${d.eventType ?? '?'} ${d.eventId ?? '?'} (${(d.error ?? '').slice(0, 120)})`));
}

/** A webhook the provider saw acknowledged is stored by webhook-ingest (never lost). */
export function checkWebhooksStored(s: Snapshot): InvariantResult {
  const name = 'acknowledged webhooks stored';
  if (!s.sandbox || !s.webhooks) return unknown(name, 'sandbox deliveries or stored webhooks not read');
  const stored = new Set(s.webhooks.map((w) => `${w.provider}|${w.dedupeKey}`));
  const offenders: string[] = [];
  let checked = 0;
  for (const d of s.sandbox.webhooks.deliveries) {
    if (!d.attempts.some((a) => a.outcome === 'delivered')) continue;
    for (const ref of d.refs) {
      checked++;
      if (!stored.has(`${d.provider}|${ref}`)) offenders.push(`${d.provider} ${ref}: acknowledged but not stored`);
    }
  }
  return resultOverSome(name, checked, [...new Set(offenders)]);
}

/** One notification per (event, user, channel), on the platform's side and at the providers. */
export function checkNotificationsUnique(s: Snapshot): InvariantResult {
  const name = 'one notification per (event, user, channel)';
  if (!s.notifications) return unknown(name, 'notifications not read');
  const offenders: string[] = [];
  const seen = new Map<string, number>();
  let keyed = 0;
  for (const n of s.notifications) {
    if (!n.sourceEventId) continue;
    keyed++;
    const key = `${n.sourceEventId}|${n.userId}|${n.channel}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  for (const [key, count] of seen) if (count > 1) offenders.push(`${key.replace(/\|/g, ' ')}: ${count} notifications`);
  // At the providers: a notification id accepted more than once reached the user more than once.
  const accepted = new Map<string, number>();
  const bump = (id: string | undefined, channel: string) => {
    if (id) accepted.set(`${id}|${channel}`, (accepted.get(`${id}|${channel}`) ?? 0) + 1);
  };
  for (const m of s.sandbox?.sendgrid.messages ?? []) {
    const args = { ...m.request.custom_args, ...m.request.personalizations?.[0]?.custom_args };
    bump(args.notificationId ?? args.notification_id ?? args.deliveryId, 'email');
  }
  for (const m of s.sandbox?.fcm.messages ?? []) {
    const data = (m.message.data ?? {}) as Record<string, string>;
    bump(data.notificationId ?? data.notification_id, 'push');
  }
  for (const [key, count] of accepted) if (count > 1) offenders.push(`provider accepted notification ${key.replace('|', ' via ')} ${count} times`);
  const detail = keyed < s.notifications.length ? `${s.notifications.length - keyed} notifications carry no sourceEventId` : undefined;
  return resultOverSome(name, s.notifications.length, offenders, detail);
}

/** Every notification the scenario knows is owed was made. */
export function checkNotificationsDelivered(s: Snapshot): InvariantResult {
  const name = 'every owed notification made';
  if (!s.notifications) return unknown(name, 'notifications not read');
  const expected = s.expectedNotifications ?? [];
  const byUserType = new Map<string, NotificationRecord[]>();
  for (const n of s.notifications) {
    const key = `${n.userId}|${n.sourceEventType ?? ''}`;
    byUserType.set(key, [...(byUserType.get(key) ?? []), n]);
  }
  const offenders = expected
    .filter((e) => !(byUserType.get(`${e.userId}|${e.eventType}`) ?? []).some((n) => !e.bookingId || !n.bookingId || n.bookingId === e.bookingId))
    .map((e) => `${e.userId}: no ${e.eventType} notification (${e.ref})`);
  return resultOverSome(name, expected.length, offenders);
}

export function checkFindings(s: Snapshot): InvariantResult {
  const name = 'no open self-healable reconciliation finding';
  if (!s.findings) return unknown(name, 'reconciliation findings not read');
  const open = s.findings.filter((f) => f.status === 'open');
  const heals = (f: FindingRecord) => f.autoAction !== undefined || SELF_HEALABLE.has(f.kind);
  const healable = open.filter(heals);
  const others = open.length - healable.length;
  return result(
    name,
    s.findings.length,
    healable.map((f) => `${f.findingId} ${f.kind}${f.autoAction ? ` (${f.autoAction} not done)` : ''} ${f.bookingId ?? f.intentId ?? ''}`.trim()),
    others > 0 ? `${others} open findings need a person: ${open.filter((f) => !heals(f)).map((f) => `${f.kind} ${f.bookingId ?? f.intentId ?? ''}`).join('; ')}` : undefined,
  );
}

export function checkAll(s: Snapshot): InvariantResult[] {
  return [
    checkOversell(s),
    checkSettled(s),
    checkMoneyEquation(s),
    checkProviderMoney(s),
    checkCaptures(s),
    checkEventsApplied(s),
    checkDeadLetters(s),
    checkWebhooksStored(s),
    checkNotificationsUnique(s),
    checkNotificationsDelivered(s),
    checkFindings(s),
  ];
}

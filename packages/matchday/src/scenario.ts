/**
 * The match day: a hot match opens behind the waiting room, fans rush to hold and check out (alone,
 * split among friends, in other currencies; some abandon, some are fraudsters, some cards fail),
 * the provider sends its webhooks late, twice and out of order; then bookings are cancelled,
 * resized, moved and transferred, a dispute arrives, the match is rescheduled and every booker is
 * told, reconciliation runs — and the invariant checker reads every service and the provider.
 * Only HTTP: the gateway for clients and staff, the sandbox's control API for the provider side.
 */
import pLimit from 'p-limit';
import type { Logger } from '@matchday/observability';
import { runChaos, type ChaosPlan } from './chaos';
import { collectSnapshot, readBookings } from './collect';
import { PERSONAS, runFan, signIn, watchBooking, type Fan, type FanResult, type MatchInfo, type Persona } from './fans';
import { ApiClient, ApiError, field, RequestStats } from './http';
import { checkAll, providerNet, type ExpectedNotification, type InvariantResult, type NotificationRecord, type Snapshot } from './invariants';
import { SandboxControl, type SandboxState } from './sandbox';
import type { ChaosEvent, RunSummary } from './summary';

export interface ScenarioOptions {
  gatewayUrl: string;
  sandboxUrl: string;
  logger: Logger;
  /** Distinguishes this run's users and matches from any other run on the same platform. */
  runId?: string;
  fans: number;
  /** Fans in flight at once. */
  concurrency: number;
  /** Fans arrive spread over this long (the rush). */
  rushMs: number;
  /** Slots of the hot match as a share of the slots fans ask for (< 1 sells out). */
  capacityRatio: number;
  /** Open the hot match behind the waiting room at this admission rate (0: no waiting room). */
  admissionRatePerSecond: number;
  unitPrice: number;
  currency: string;
  foreignCurrencies: string[];
  /** Share of fans per persona (normalised); default a realistic match-day mix. */
  mix?: Partial<Record<Persona, number>>;
  /** Cancel, resize, move and transfer some confirmed bookings; dispute some; reschedule the match. */
  aftermath: boolean;
  /** Webhooks late, twice and out of order. */
  webhookFaults: boolean;
  /** The platform's payment window (s): how long an unpaid booking can stay pending. */
  paymentWindowSeconds: number;
  /** After the load, how long the platform may take to settle before the verdict is final. */
  settleTimeoutMs: number;
  chaos?: ChaosPlan;
  /** Operator access to Postgres (outbox/inbox of a service whose events endpoint does not answer), and each service's schema. */
  databaseUrl?: string;
  schemaOf: (service: string) => string;
}

export interface ScenarioResult {
  summary: RunSummary;
  snapshot: Snapshot;
  invariants: InvariantResult[];
  passed: boolean;
}

export const DEFAULT_MIX: Record<Persona, number> = {
  happy: 50,
  split: 8,
  split_unpaid: 2,
  currency: 10,
  abandon_hold: 7,
  abandon_checkout: 4,
  fraud: 5,
  declined: 6,
  disputed: 2,
  bank_reversal: 2,
};

/** Deterministic persona per fan index with the mix's proportions (evenly interleaved). */
export function assignPersonas(n: number, mix: Partial<Record<Persona, number>>): Persona[] {
  const weights = PERSONAS.map((p) => Math.max(0, mix[p] ?? 0));
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  const out: Persona[] = [];
  const acc = PERSONAS.map(() => 0);
  for (let i = 0; i < n; i++) {
    // Largest accumulated deficit goes next: a smooth round-robin by weight.
    let best = 0;
    for (let k = 0; k < PERSONAS.length; k++) {
      acc[k]! += weights[k]! / total;
      if (acc[k]! > acc[best]!) best = k;
    }
    acc[best]! -= 1;
    out.push(PERSONAS[best]!);
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The fan's visible address (each fan its own, behind the gateway's trusted proxy). */
const ipOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) + 1}`;

export async function runScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const log = opts.logger;
  const runId = opts.runId ?? `md${Date.now().toString(36)}`;
  const stats = new RequestStats();
  const base = new ApiClient({ baseUrl: opts.gatewayUrl, stats, logger: log, ip: '10.255.255.1' });
  const sandbox = new SandboxControl(opts.sandboxUrl);
  const opsLogin = () => signIn(base, `${runId}-ops`, { roles: ['admin'], email: `ops@${runId}.matchday.test` });
  // Staff tools give up sooner than fans: an endpoint that is not there should not hold the verdict up.
  const admin = base.with({ token: await opsLogin(), reauth: opsLogin, deviceId: 'ops-console', retryForMs: 30_000 });

  // ---- the fixtures: a hot match and a second one to move bookings to
  const personas = assignPersonas(opts.fans, opts.mix ?? DEFAULT_MIX);
  const quantities = personas.map((p, i) => (p === 'fraud' ? 4 + (i % 3) : 1 + (i % 4)));
  const demand = quantities.reduce((a, b) => a + b, 0);
  const capacity = Math.max(1, Math.floor(demand * opts.capacityRatio));
  const kickoff = new Date(Date.now() + 14 * 24 * 3600 * 1000);
  const hotMatch = await createMatch(admin, { homeTeam: 'Matchday City', awayTeam: `Rivals ${runId}`, capacity, kickoff, opts });
  const otherMatch = await createMatch(admin, {
    homeTeam: 'Matchday City',
    awayTeam: `Cup opponents ${runId}`,
    capacity: Math.max(50, Math.ceil(demand / 4)),
    kickoff: new Date(kickoff.getTime() + 7 * 24 * 3600 * 1000),
    opts,
  });
  const matchIds = [hotMatch.matchId, otherMatch.matchId];
  log.info('matches created', { hot: hotMatch.matchId, capacity, demand, other: otherMatch.matchId });
  if (opts.admissionRatePerSecond > 0) {
    try {
      await admin.expect([200, 201, 204], 'POST', `/v1/admin/matches/${encodeURIComponent(hotMatch.matchId)}/hot`, {
        body: { hot: true, admissionRatePerSecond: opts.admissionRatePerSecond },
      });
      hotMatch.hot = true;
      // The gateway learns it from inventory.events: wait until the waiting room is open.
      await waitFor(async () => field<boolean>((await admin.get(`/v1/waiting-room/${encodeURIComponent(hotMatch.matchId)}`)).body, 'hot') === true, 60_000).catch(() =>
        log.warn('the waiting room did not report the match hot within 60 s; going on'),
      );
    } catch (e) {
      log.error('could not open the waiting room; the rush goes on without it', { error: (e as Error).message });
    }
  }

  // Known fraudsters: the block list has them (fraud blocks their bookings; payment never captures).
  const fraudsters = personas.flatMap((p, i) => (p === 'fraud' ? [i] : []));
  for (const i of fraudsters) {
    await admin
      .expect([200, 201], 'POST', '/v1/admin/fraud/lists', {
        body: { list: 'block', kind: 'user', value: `${runId}-fan-${i}`, reason: 'known reseller account (match-day scenario)' },
      })
      .catch((e: Error) => log.error('could not put a fraudster on the block list', { userId: `${runId}-fan-${i}`, error: e.message }));
  }

  if (opts.webhookFaults) {
    await sandbox.webhookFaults('stripe', { duplicateRate: 0.3, reorder: true, delayMs: 300, dropRate: 0.1 });
    await sandbox.webhookFaults('twilio', { duplicateRate: 0.3, delayMs: 200 });
    await sandbox.webhookFaults('sendgrid', { duplicateRate: 0.3, reorder: true, delayMs: 200 });
  }

  // ---- the rush
  const limit = pLimit(opts.concurrency);
  const loadStartedAt = Date.now();
  const chaosAbort = new AbortController();
  const chaosDone: Promise<ChaosEvent[]> = opts.chaos ? runChaos(opts.chaos, log, chaosAbort.signal) : Promise.resolve([]);
  const journey = { settleTimeoutMs: (opts.paymentWindowSeconds + 60) * 1000, foreignCurrencies: opts.foreignCurrencies, abandonAfterMs: 500 };
  let done = 0;
  const fans: FanResult[] = await Promise.all(
    personas.map((persona, i) =>
      limit(async () => {
        const arrive = loadStartedAt + (opts.rushMs * i) / Math.max(1, opts.fans);
        if (arrive > Date.now()) await sleep(arrive - Date.now());
        const match = persona !== 'fraud' && i % 10 === 9 ? otherMatch : hotMatch;
        const made = await makeFan(base, runId, i, persona, match.matchId, quantities[i]!);
        const r = made.fan ? await runFan(made.fan, match, journey) : made.error!;
        if (r.outcome === 'error') log.warn('fan journey failed', { userId: r.userId, persona: r.persona, error: r.error });
        if (++done % Math.max(1, Math.floor(opts.fans / 10)) === 0) log.info('fans done', { done, of: opts.fans });
        return r;
      }),
    ),
  );
  const loadEndedAt = Date.now();
  log.info('rush over', { seconds: (loadEndedAt - loadStartedAt) / 1000, outcomes: countBy(fans.map((f) => f.outcome)) });

  // ---- the aftermath: changes, a dispute, the match rescheduled
  const expected: ExpectedNotification[] = fans
    .filter((f) => f.confirmedAt !== undefined && f.bookingId)
    .map((f) => ({ userId: f.userId, eventType: 'booking.confirmed.v1', ref: f.bookingId!, bookingId: f.bookingId! }));
  const afterStats: Record<string, number> = {};
  if (opts.aftermath) expected.push(...(await aftermath({ stats: afterStats, fans, runId, admin, base, sandbox, otherMatchId: otherMatch.matchId, hotMatchId: hotMatch.matchId, log, opts })));

  // ---- settle: let chaos finish, every payment window close, every webhook arrive
  const chaos = await chaosDone;
  await settle({ admin, sandbox, matchIds, knownBookingIds: knownBookings(fans), log, timeoutMs: Math.max(opts.settleTimeoutMs, opts.paymentWindowSeconds * 1000 + 30_000) });

  // ---- reconciliation runs (and may heal what it finds)
  await reconcile(admin, log);

  // ---- the verdict: checked until it holds or the platform had its time to settle
  const deadline = Date.now() + opts.settleTimeoutMs;
  let snapshot: Snapshot;
  let invariants: InvariantResult[];
  for (;;) {
    await sandbox.flush().catch(() => undefined);
    snapshot = await collectSnapshot({ admin, sandbox, matchIds, knownBookingIds: knownBookings(fans), ...(opts.databaseUrl && { databaseUrl: opts.databaseUrl }), schemaOf: opts.schemaOf, expectedNotifications: expected });
    invariants = checkAll(snapshot);
    const failing = invariants.filter((r) => r.verdict !== 'PASS');
    if (failing.length === 0 || Date.now() > deadline) break;
    log.info('invariants not all holding yet; waiting for the platform to settle', { failing: failing.map((f) => `${f.name}: ${f.offenders.length}`) });
    await sleep(3000);
  }
  chaosAbort.abort();
  if (opts.webhookFaults) await sandbox.clearFaults().catch(() => undefined);

  if (snapshot.sandbox) fillNotified(fans, snapshot.sandbox, snapshot.notifications);
  const nets = snapshot.sandbox ? providerNet(snapshot.sandbox) : new Map();
  const summary: RunSummary = {
    fans,
    bookings: snapshot.bookings,
    notifications: snapshot.notifications ?? [],
    captures: snapshot.sandbox?.stripe.charges.filter((c) => c.captured).length ?? 0,
    refunds: snapshot.sandbox?.stripe.refunds.length ?? 0,
    disputes: snapshot.sandbox?.stripe.disputes.length ?? 0,
    loadStartedAt,
    loadEndedAt,
    requests: stats.total,
    retries: stats.retries,
    networkErrors: stats.networkErrors,
    chaos,
    aftermath: afterStats,
    invariants,
    notes: [...snapshot.notes, `provider intents: ${nets.size}`],
    gaps: snapshot.gaps,
    unexpected: [...stats.unexpected].map(([route, u]) => ({ route, ...u })).sort((a, b) => b.count - a.count),
  };
  summary.fanErrors = fans.filter((f) => f.outcome === 'error').map((e) => `${e.userId} (${e.persona}): ${e.error}`);
  return { summary, snapshot, invariants, passed: invariants.every((r) => r.verdict === 'PASS') };
}

const knownBookings = (fans: FanResult[]) => fans.flatMap((f) => (f.bookingId ? [f.bookingId] : []));

const countBy = (xs: string[]) => Object.fromEntries([...new Set(xs)].map((x) => [x, xs.filter((y) => y === x).length]));

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(intervalMs);
  }
}

async function createMatch(
  admin: ApiClient,
  m: { homeTeam: string; awayTeam: string; capacity: number; kickoff: Date; opts: ScenarioOptions },
): Promise<MatchInfo> {
  const body = await admin.expect<unknown>([200, 201], 'POST', '/v1/admin/matches', {
    body: {
      title: `${m.homeTeam} v ${m.awayTeam}`,
      homeTeam: m.homeTeam,
      awayTeam: m.awayTeam,
      venue: 'Matchday Stadium',
      kickoffAt: m.kickoff.toISOString(),
      capacity: m.capacity,
      unitPrice: m.opts.unitPrice,
      currency: m.opts.currency,
    },
  });
  const matchId = field<string>(body, 'matchId', 'id') ?? field<string>(field(body, 'match'), 'matchId', 'id');
  if (!matchId) throw new Error(`POST /v1/admin/matches answered without matchId: ${JSON.stringify(body).slice(0, 200)}`);
  return { matchId, unitPrice: m.opts.unitPrice, currency: m.opts.currency, hot: false };
}

/** Signs a fan in and sets up how they are reached; some also register a phone for push. */
async function makeFan(base: ApiClient, runId: string, i: number, persona: Persona, matchId: string, quantity: number): Promise<{ fan?: Fan; error?: FanResult }> {
  const userId = `${runId}-fan-${i}`;
  const email = `${userId}@fans.matchday.test`;
  const ip = ipOf(i);
  const deviceId = `phone-${i}`;
  try {
    const anonymous = base.with({ ip, deviceId });
    const login = () => signIn(anonymous, userId, { email, deviceId });
    const client = anonymous.with({ token: await login(), reauth: login });
    // Contacts and a push device: a fan whose settings are refused still books (the refusal is in the report).
    await client.expect([200, 201, 204], 'PUT', '/v1/me/contacts', { body: { email, phone: null, locale: 'en-GB' } }).catch(() => undefined);
    if (i % 10 === 0) await client.expect([200, 201], 'POST', '/v1/me/devices', { body: { token: `fcm-${userId}`, kind: 'fcm' } }).catch(() => undefined);
    return { fan: { index: i, userId, email, ip, deviceId, persona, matchId, quantity, client } };
  } catch (e) {
    return { error: { userId, email, persona, matchId, quantity, startedAt: Date.now(), outcome: 'error', error: `sign-in/contacts: ${(e as Error).message}` } };
  }
}

interface AftermathDeps {
  /** Filled with what happened (for the summary). */
  stats: Record<string, number>;
  fans: FanResult[];
  runId: string;
  admin: ApiClient;
  base: ApiClient;
  sandbox: SandboxControl;
  hotMatchId: string;
  otherMatchId: string;
  log: Logger;
  opts: ScenarioOptions;
}

/** A fan's client again (a returning app signs in anew). */
async function clientOf(base: ApiClient, userId: string, index: number): Promise<ApiClient> {
  const c = base.with({ ip: ipOf(index), deviceId: `phone-${index}` });
  const login = () => signIn(c, userId, { email: `${userId}@fans.matchday.test`, deviceId: `phone-${index}` });
  return c.with({ token: await login(), reauth: login });
}

async function intentOf(admin: ApiClient, sandbox: SandboxControl, bookingId: string): Promise<string | undefined> {
  const res = await admin.get<unknown>(`/v1/admin/payments?bookingId=${encodeURIComponent(bookingId)}`);
  if (res.status === 200) {
    const items = Array.isArray(res.body) ? res.body : (field<unknown[]>(res.body, 'items', 'payments', 'data') ?? []);
    for (const p of items) {
      const id = field<string>(p, 'intentId', 'providerIntentId', 'paymentIntentId', 'stripePaymentIntentId', 'providerPaymentId');
      if (id) return id;
    }
  }
  const state: SandboxState = await sandbox.state();
  return state.stripe.paymentIntents.find((i) => (i.metadata?.bookingId ?? i.metadata?.booking_id) === bookingId && i.status === 'succeeded')?.id;
}

/**
 * After the rush: some fans cancel, change their slot count, move to the other match or pass their
 * booking to a friend; the card network opens disputes (one lost, one won); then the club moves
 * the hot match and every booker must be told. Returns the notifications this makes owed.
 */
async function aftermath(d: AftermathDeps): Promise<ExpectedNotification[]> {
  const { fans, admin, log } = d;
  const owed: ExpectedNotification[] = [];
  const confirmed = fans.map((f, i) => ({ f, i })).filter(({ f }) => f.persona === 'happy' && f.confirmedAt !== undefined && f.bookingId);
  // The first few confirmed bookings get one change each (so even a small run has every kind), then
  // about one in eight of the rest is cancelled, resized, moved or transferred; at most three disputes.
  const roles = ['dispute', 'cancel', 'resize', 'move', 'transfer', 'dispute'];
  const later: Record<number, string> = { 1: 'cancel', 3: 'resize', 5: 'move', 7: 'transfer', 11: 'cancel', 13: 'resize', 15: 'dispute' };
  const roleOf = (n: number) => roles[n] ?? later[n % 16];
  const pick = (role: string) => confirmed.filter((_, n) => roleOf(n) === role);
  const cancels = pick('cancel');
  const resizes = pick('resize');
  const moves = pick('move');
  const transfers = pick('transfer');
  const disputes = pick('dispute').slice(0, 3);
  const outcomes = d.stats;
  const note = (what: string) => (outcomes[what] = (outcomes[what] ?? 0) + 1);
  const limit = pLimit(d.opts.concurrency);
  const window = (d.opts.paymentWindowSeconds + 60) * 1000;

  await Promise.all([
    ...cancels.map(({ f, i }) =>
      limit(async () => {
        try {
          const c = await clientOf(d.base, f.userId, i);
          await c.expect([200, 201, 202], 'POST', `/v1/bookings/${encodeURIComponent(f.bookingId!)}/cancel`, { body: { reason: 'cannot make it' } });
          owed.push({ userId: f.userId, eventType: 'booking.cancelled.v1', ref: f.bookingId!, bookingId: f.bookingId! });
          note('cancelled');
        } catch (e) {
          note(`cancel failed: ${(e as Error).message.slice(0, 120)}`);
        }
      }),
    ),
    ...resizes.map(({ f, i }) =>
      limit(async () => {
        try {
          const c = await clientOf(d.base, f.userId, i);
          const quantity = f.quantity > 1 && i % 2 === 0 ? f.quantity - 1 : f.quantity + 1;
          const res = await c.post(`/v1/bookings/${encodeURIComponent(f.bookingId!)}/quantity`, { quantity });
          // 202: accepted, the extra payment for the added slots is on its way.
          if ([200, 201, 202].includes(res.status)) note(quantity > f.quantity ? 'resized up' : 'resized down');
          else if (res.status === 422 || res.status === 409) note(`resize refused (${ApiError.codeOf(res.body) ?? res.status})`);
          else throw new ApiError('POST', '/v1/bookings/{id}/quantity', res.status, res.body);
          await watchBooking(c, f.bookingId!, window, (s) => s !== 'PENDING_PAYMENT');
        } catch (e) {
          note(`resize failed: ${(e as Error).message.slice(0, 120)}`);
        }
      }),
    ),
    ...moves.map(({ f, i }) =>
      limit(async () => {
        try {
          const c = await clientOf(d.base, f.userId, i);
          const res = await c.post(`/v1/bookings/${encodeURIComponent(f.bookingId!)}/reschedule`, { matchId: d.otherMatchId });
          if ([200, 201, 202].includes(res.status)) note('moved to the other match');
          else if (res.status === 422 || res.status === 409) note(`move refused (${ApiError.codeOf(res.body) ?? res.status})`);
          else throw new ApiError('POST', '/v1/bookings/{id}/reschedule', res.status, res.body);
        } catch (e) {
          note(`move failed: ${(e as Error).message.slice(0, 120)}`);
        }
      }),
    ),
    ...transfers.map(({ f, i }) =>
      limit(async () => {
        try {
          const c = await clientOf(d.base, f.userId, i);
          const friendIndex = 1_000_000 + i;
          const friendId = `${d.runId}-friend-${i}`;
          const friend = await clientOf(d.base, friendId, friendIndex);
          await friend.expect([200, 201, 204], 'PUT', '/v1/me/contacts', { body: { email: `${friendId}@fans.matchday.test`, phone: null, locale: 'en-GB' } }).catch(() => undefined);
          const t = await c.expect<unknown>([200, 201], 'POST', `/v1/bookings/${encodeURIComponent(f.bookingId!)}/transfer`, { body: { toUserId: friendId } });
          const transferId = field<string>(t, 'transferId', 'id');
          await friend.expect([200, 201], 'POST', `/v1/transfers/${encodeURIComponent(transferId ?? '')}/accept`);
          owed.push({ userId: friendId, eventType: 'transfer.accepted.v1', ref: f.bookingId! }, { userId: f.userId, eventType: 'transfer.accepted.v1', ref: f.bookingId! });
          note('transferred');
        } catch (e) {
          note(`transfer failed: ${(e as Error).message.slice(0, 120)}`);
        }
      }),
    ),
  ]);

  // Disputes: the card network opens them; one is lost (the booking is reversed), one won.
  const opened: Array<{ id: string; close: 'won' | 'lost'; bookingId: string }> = [];
  for (const [n, { f }] of disputes.entries()) {
    try {
      const intent = await intentOf(admin, d.sandbox, f.bookingId!);
      if (!intent) throw new Error(`no captured intent found for ${f.bookingId}`);
      const dispute = await d.sandbox.openDispute(intent, 'fraudulent');
      opened.push({ id: dispute.id, close: n % 2 === 0 ? 'lost' : 'won', bookingId: f.bookingId! });
      owed.push({ userId: f.userId, eventType: 'dispute.opened.v1', ref: f.bookingId! });
      note('disputed');
    } catch (e) {
      note(`dispute failed: ${(e as Error).message.slice(0, 120)}`);
    }
  }
  await sleep(3000);
  for (const o of opened) await d.sandbox.closeDispute(o.id, o.close).then(() => note(`dispute ${o.close}`), (e: Error) => note(`dispute close failed: ${e.message.slice(0, 120)}`));

  // A closed dispute reaches booking through webhooks and Kafka: wait until each disputed booking
  // has left DISPUTED, so who holds a booking when the match moves is known (a lost dispute's fan
  // no longer does, and is not owed the news).
  const disputedIds = opened.map((o) => o.bookingId);
  for (const until = Date.now() + 60_000; disputedIds.length > 0 && Date.now() < until; await sleep(1000)) {
    const { bookings } = await readBookings(admin, [d.hotMatchId], disputedIds);
    if (bookings.filter((b) => disputedIds.includes(b.bookingId)).every((b) => b.status !== 'DISPUTED')) break;
  }

  // The club moves the hot match: everyone holding a confirmed booking for it then must hear of it.
  const bookers = await bookersOf(admin, d.hotMatchId, knownBookings(fans));
  try {
    await admin.expect([200, 201], 'POST', `/v1/admin/matches/${encodeURIComponent(d.hotMatchId)}/reschedule`, {
      body: { kickoffAt: new Date(Date.now() + 21 * 24 * 3600 * 1000).toISOString(), venue: 'Matchday Stadium' },
    });
    for (const userId of bookers) owed.push({ userId, eventType: 'match.rescheduled.v1', ref: d.hotMatchId });
    note('match rescheduled');
  } catch (e) {
    note(`match reschedule failed: ${(e as Error).message.slice(0, 120)}`);
  }
  log.info('aftermath done', outcomes);
  return owed;
}

async function bookersOf(admin: ApiClient, matchId: string, knownIds: string[]): Promise<string[]> {
  const { bookings } = await readBookings(admin, [matchId], knownIds);
  return [...new Set(bookings.filter((b) => b.matchId === matchId && (b.status === 'CONFIRMED' || b.status === 'DISPUTED')).map((b) => b.userId))];
}

/** Waits until no booking of the run is pending payment and the provider has no webhook left to send. */
async function settle(d: { admin: ApiClient; sandbox: SandboxControl; matchIds: string[]; knownBookingIds: string[]; log: Logger; timeoutMs: number }): Promise<void> {
  const deadline = Date.now() + d.timeoutMs;
  for (;;) {
    const flushed = await d.sandbox.flush().catch(() => ({ pending: -1 }));
    const { bookings } = await readBookings(d.admin, d.matchIds, d.knownBookingIds);
    const pending = bookings.filter((b) => b.status === 'PENDING_PAYMENT').length;
    if (pending === 0 && flushed.pending === 0) return;
    if (Date.now() > deadline) {
      d.log.warn('platform did not settle in time', { pendingBookings: pending, pendingWebhooks: flushed.pending });
      return;
    }
    await sleep(2000);
  }
}

/** Starts a reconciliation run and waits for it to finish. */
async function reconcile(admin: ApiClient, log: Logger): Promise<void> {
  try {
    const run = await admin.expect<unknown>([200, 201, 202], 'POST', '/v1/admin/reconciliation/runs', { body: {} });
    const runId = field<string>(run, 'runId', 'id');
    if (!runId) return;
    await waitFor(async () => {
      const r = await admin.expect<unknown>([200], 'GET', `/v1/admin/reconciliation/runs/${encodeURIComponent(runId)}`);
      // A finished run answers with its report (no status); a running one with its status.
      const status = field<string>(r, 'status', 'state')?.toLowerCase();
      return status === undefined || ['completed', 'failed'].includes(status);
    }, 120_000);
    log.info('reconciliation run finished', { runId });
  } catch (e) {
    log.warn('reconciliation run did not complete', { error: (e as Error).message });
  }
}

/**
 * The moment the fan was told of the confirmation: when the provider accepted the message of the
 * platform's booking-confirmed notification (matched by the notification id the email carries), else
 * the notification's own sent time, else the first confirmation email the provider took for the fan.
 */
export function fillNotified(fans: FanResult[], state: SandboxState, notifications: NotificationRecord[] = []): void {
  const acceptedAt = new Map<string, number>();
  const byEmail = new Map<string, Array<{ at: number; text: string }>>();
  for (const m of state.sendgrid.messages) {
    const text = JSON.stringify(m.request).toLowerCase();
    for (const p of m.request.personalizations ?? []) {
      const args = { ...m.request.custom_args, ...p.custom_args };
      const id = args.notification_id ?? args.notificationId;
      if (id && !acceptedAt.has(id)) acceptedAt.set(id, m.receivedAt);
      for (const to of p.to ?? []) {
        if (!to.email) continue;
        const list = byEmail.get(to.email.toLowerCase()) ?? [];
        list.push({ at: m.receivedAt, text });
        byEmail.set(to.email.toLowerCase(), list);
      }
    }
  }
  for (const m of state.fcm.messages) {
    const id = (m.message.data as Record<string, string> | undefined)?.notification_id ?? (m.message.data as Record<string, string> | undefined)?.notificationId;
    if (id && !acceptedAt.has(id)) acceptedAt.set(id, m.at);
  }
  const confirmedNotes = new Map<string, NotificationRecord[]>();
  for (const n of notifications) {
    if (n.sourceEventType !== 'booking.confirmed.v1') continue;
    confirmedNotes.set(n.userId, [...(confirmedNotes.get(n.userId) ?? []), n]);
  }
  for (const f of fans) {
    if (f.confirmedAt === undefined || !f.holdAt) continue;
    const times = (confirmedNotes.get(f.userId) ?? [])
      .filter((n) => !n.bookingId || n.bookingId === f.bookingId)
      .map((n) => acceptedAt.get(n.notificationId) ?? n.sentAt)
      .filter((t): t is number => t !== undefined);
    if (times.length) {
      f.notifiedAt = Math.min(...times);
      continue;
    }
    const mails = (byEmail.get(f.email.toLowerCase()) ?? []).filter((m) => m.at >= f.holdAt!).sort((a, b) => a.at - b.at);
    const mail = mails.find((m) => m.text.includes('confirm'));
    if (mail) f.notifiedAt = mail.at;
  }
}

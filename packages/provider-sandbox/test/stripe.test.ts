import Stripe from 'stripe';
import { startSandbox, stripeClient, type Sandbox } from '../src';
import { startReceiver, until, type Receiver } from './receiver';

let sandbox: Sandbox;
let receiver: Receiver;
let stripe: Stripe;
let keys = 0;
const key = (): string => `test-key-${Date.now()}-${++keys}`;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startSandbox({ webhookTargets: { stripe: `${receiver.url}/webhooks/stripe` } });
  stripe = stripeClient({ apiKey: sandbox.secrets.stripeApiKey, baseUrl: sandbox.url, maxNetworkRetries: 0 });
});

afterEach(() => {
  sandbox.reset();
  receiver.received.length = 0;
  receiver.respond = () => 200;
});

afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

const eventTypes = (): string[] =>
  receiver.received.map((h) => (JSON.parse(h.body) as { type: string }).type);

async function paidIntent(amount: number, paymentMethod = 'pm_card_visa'): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.create(
    { amount, currency: 'eur', payment_method: paymentMethod, confirm: true },
    { idempotencyKey: key() },
  );
}

describe('Stripe payment intents through the official SDK', () => {
  it('when a manual-capture payment is created, confirmed and captured, then it succeeds with a captured charge and a balance transaction', async () => {
    const created = await stripe.paymentIntents.create(
      {
        amount: 5000,
        currency: 'eur',
        capture_method: 'manual',
        payment_method: 'pm_card_visa',
        metadata: { booking_id: 'b-1' },
      },
      { idempotencyKey: key() },
    );
    expect(created).toMatchObject({
      object: 'payment_intent',
      status: 'requires_confirmation',
      amount: 5000,
      currency: 'eur',
    });
    expect(created.id).toMatch(/^pi_/);

    const confirmed = await stripe.paymentIntents.confirm(created.id, {}, { idempotencyKey: key() });
    expect(confirmed).toMatchObject({
      status: 'requires_capture',
      amount_capturable: 5000,
      amount_received: 0,
    });
    expect(confirmed.latest_charge).toMatch(/^ch_/);

    const captured = await stripe.paymentIntents.capture(
      created.id,
      { amount_to_capture: 4000 },
      { idempotencyKey: key() },
    );
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 4000, amount_capturable: 0 });

    const charge = await stripe.charges.retrieve(captured.latest_charge as string);
    expect(charge).toMatchObject({
      captured: true,
      amount: 5000,
      amount_captured: 4000,
      payment_intent: created.id,
    });
    const txn = await stripe.balanceTransactions.retrieve(charge.balance_transaction as string);
    expect(txn).toMatchObject({ type: 'charge', amount: 4000, fee: 146, net: 3854, source: charge.id });

    const again = await stripe.paymentIntents.retrieve(created.id);
    expect(again.metadata).toEqual({ booking_id: 'b-1' });
  });

  it('when the charge is larger than what is capturable, then capture is refused and nothing is captured', async () => {
    const pi = await stripe.paymentIntents.create(
      {
        amount: 1000,
        currency: 'usd',
        capture_method: 'manual',
        payment_method: 'pm_card_visa',
        confirm: true,
      },
      { idempotencyKey: key() },
    );
    await expect(
      stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1001 }, { idempotencyKey: key() }),
    ).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'amount_too_large',
      param: 'amount_to_capture',
    });
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('requires_capture');
  });

  it('when the card is declined, then the SDK throws StripeCardError and the intent asks for another payment method', async () => {
    const err = await paidIntent(2500, 'pm_card_chargeDeclined').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    const cardError = err as Stripe.errors.StripeCardError;
    expect(cardError.statusCode).toBe(402);
    expect(cardError.code).toBe('card_declined');
    expect(cardError.decline_code).toBe('generic_decline');
    expect(cardError.payment_intent?.status).toBe('requires_payment_method');
    const charge = await stripe.charges.retrieve(cardError.charge as string);
    expect(charge).toMatchObject({ status: 'failed', failure_code: 'card_declined', paid: false });
  });

  it('when a request is repeated with the same idempotency key, then the first response is replayed and nothing is created twice', async () => {
    const idempotencyKey = key();
    const params = { amount: 700, currency: 'eur', metadata: { booking_id: 'b-2' } };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey });
    const second = await stripe.paymentIntents.create(params, { idempotencyKey });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(sandbox.state.stripe.paymentIntents.size).toBe(1);
  });

  it('when an idempotency key is reused with different parameters, then the SDK throws StripeIdempotencyError', async () => {
    const idempotencyKey = key();
    await stripe.paymentIntents.create({ amount: 700, currency: 'eur' }, { idempotencyKey });
    const err = await stripe.paymentIntents
      .create({ amount: 800, currency: 'eur' }, { idempotencyKey })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((err as Stripe.errors.StripeError).type).toBe('StripeIdempotencyError');
    expect(sandbox.state.stripe.paymentIntents.size).toBe(1);
  });

  it('when a declined confirmation is retried with its idempotency key, then the same decline is replayed without a second charge', async () => {
    const idempotencyKey = key();
    const params = {
      amount: 900,
      currency: 'eur',
      payment_method: 'pm_card_chargeDeclinedInsufficientFunds',
      confirm: true,
    };
    const first = (await stripe.paymentIntents
      .create(params, { idempotencyKey })
      .catch((e: unknown) => e)) as Stripe.errors.StripeCardError;
    const second = (await stripe.paymentIntents
      .create(params, { idempotencyKey })
      .catch((e: unknown) => e)) as Stripe.errors.StripeCardError;
    expect(second).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(second.decline_code).toBe('insufficient_funds');
    expect(second.charge).toBe(first.charge);
    expect(sandbox.state.stripe.charges.size).toBe(1);
  });

  it('when refunds would exceed what was captured minus already refunded, then the excess refund is rejected', async () => {
    const pi = await paidIntent(3000);
    const r1 = await stripe.refunds.create(
      { payment_intent: pi.id, amount: 2000 },
      { idempotencyKey: key() },
    );
    expect(r1).toMatchObject({ object: 'refund', status: 'succeeded', amount: 2000, payment_intent: pi.id });
    expect(r1.id).toMatch(/^re_/);

    const tooMuch = await stripe.refunds
      .create({ payment_intent: pi.id, amount: 1500 }, { idempotencyKey: key() })
      .catch((e: unknown) => e);
    expect(tooMuch).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(tooMuch).toMatchObject({ code: 'amount_too_large', param: 'amount', statusCode: 400 });

    await stripe.refunds.create({ payment_intent: pi.id }, { idempotencyKey: key() });
    const nothingLeft = await stripe.refunds
      .create({ payment_intent: pi.id, amount: 1 }, { idempotencyKey: key() })
      .catch((e: unknown) => e);
    expect(nothingLeft).toMatchObject({ type: 'StripeInvalidRequestError', code: 'charge_already_refunded' });

    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ amount_captured: 3000, amount_refunded: 3000, refunded: true });
    expect((await stripe.refunds.retrieve(r1.id)).amount).toBe(2000);
  });

  it('when balance transactions span several pages, then starting_after walks through all of them newest first and filters apply', async () => {
    const intents: Stripe.PaymentIntent[] = [];
    for (const amount of [1000, 2000, 3000, 4000, 5000]) intents.push(await paidIntent(amount));
    await stripe.refunds.create({ payment_intent: intents[0]!.id, amount: 100 }, { idempotencyKey: key() });
    await stripe.refunds.create({ payment_intent: intents[1]!.id, amount: 200 }, { idempotencyKey: key() });

    const page1 = await stripe.balanceTransactions.list({ limit: 3 });
    expect(page1.data).toHaveLength(3);
    expect(page1.has_more).toBe(true);
    expect(page1.data.map((t) => t.amount)).toEqual([-200, -100, 5000]);
    const page2 = await stripe.balanceTransactions.list({ limit: 3, starting_after: page1.data[2]!.id });
    expect(page2.data.map((t) => t.amount)).toEqual([4000, 3000, 2000]);

    const all = await stripe.balanceTransactions.list({ limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.map((t) => t.amount)).toEqual([-200, -100, 5000, 4000, 3000, 2000, 1000]);

    const refunds = await stripe.balanceTransactions.list({ type: 'refund' });
    expect(refunds.data.map((t) => t.amount)).toEqual([-200, -100]);
    const future = await stripe.balanceTransactions.list({
      created: { gte: Math.floor(Date.now() / 1000) + 3600 },
    });
    expect(future.data).toHaveLength(0);
    const recent = await stripe.balanceTransactions.list({
      created: { gte: Math.floor(Date.now() / 1000) - 60 },
      limit: 100,
    });
    expect(recent.data).toHaveLength(7);
  });

  it('when payment intents are listed, then the list pages with starting_after', async () => {
    for (const amount of [100, 200, 300]) await paidIntent(amount);
    const first = await stripe.paymentIntents.list({ limit: 2 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/payment_intents' });
    const rest = await stripe.paymentIntents.list({ limit: 2, starting_after: first.data[1]!.id });
    expect([...first.data, ...rest.data].map((p) => p.amount)).toEqual([300, 200, 100]);
    expect(rest.has_more).toBe(false);
  });

  it('when a payment succeeds, then signed events reach the webhook endpoint and verify with stripe.webhooks.constructEvent', async () => {
    const pi = await paidIntent(1200);
    await receiver.waitFor(() => eventTypes().includes('payment_intent.succeeded'));
    const events = receiver.received.map((h) =>
      stripe.webhooks.constructEvent(
        h.body,
        h.headers['stripe-signature'] as string,
        sandbox.secrets.stripeWebhookSecret,
      ),
    );
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']),
    );
    const succeeded = events.find((e) => e.type === 'payment_intent.succeeded')!;
    expect((succeeded.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
    expect(succeeded.id).toMatch(/^evt_/);
    expect(receiver.received[0]!.path).toBe('/webhooks/stripe');

    expect(() =>
      stripe.webhooks.constructEvent(
        receiver.received[0]!.body,
        receiver.received[0]!.headers['stripe-signature'] as string,
        'whsec_wrong',
      ),
    ).toThrow(Stripe.errors.StripeSignatureVerificationError);

    const listed = await stripe.events.list({ type: 'payment_intent.succeeded' });
    expect(listed.data.map((e) => e.id)).toEqual([succeeded.id]);
  });

  it('when the webhook endpoint fails, then the event is retried until it is accepted', async () => {
    let failures = 2;
    receiver.respond = () => (failures-- > 0 ? 500 : 200);
    await stripe.paymentIntents.create({ amount: 100, currency: 'eur' }, { idempotencyKey: key() });
    await receiver.waitFor((r) => r.length >= 3);
    await until(() => sandbox.state.webhooks.deliveries[0]?.status === 'delivered');
    const [delivery] = sandbox.state.webhooks.deliveries;
    expect(delivery).toMatchObject({ status: 'delivered', provider: 'stripe' });
    expect(delivery!.attempts.map((a) => a.outcome)).toEqual(['http_error', 'http_error', 'delivered']);
    // Each attempt is signed afresh and verifies.
    for (const h of receiver.received) {
      expect(
        stripe.webhooks.constructEvent(
          h.body,
          h.headers['stripe-signature'] as string,
          sandbox.secrets.stripeWebhookSecret,
        ).type,
      ).toBe('payment_intent.created');
    }
  });

  it('when a disputed card is authorized for manual capture, then the dispute waits for the capture', async () => {
    const pi = await stripe.paymentIntents.create(
      { amount: 3100, currency: 'eur', capture_method: 'manual', payment_method: 'pm_card_disputed', confirm: true },
      { idempotencyKey: key() },
    );
    await new Promise((r) => setTimeout(r, 200));
    expect((await stripe.disputes.list({ payment_intent: pi.id })).data).toHaveLength(0);
    await stripe.paymentIntents.capture(pi.id, {}, { idempotencyKey: key() });
    await receiver.waitFor(() => eventTypes().includes('charge.dispute.created'));
    expect((await stripe.disputes.list({ payment_intent: pi.id })).data).toEqual([
      expect.objectContaining({ amount: 3100, reason: 'fraudulent', payment_intent: pi.id }),
    ]);
  });

  it('when a disputed card is paid, then a dispute is opened a moment later with its chargeback balance transaction', async () => {
    const pi = await paidIntent(4200, 'pm_card_disputed');
    await receiver.waitFor(() => eventTypes().includes('charge.dispute.created'));
    const disputes = await stripe.disputes.list({ payment_intent: pi.id });
    expect(disputes.data).toHaveLength(1);
    const dispute = disputes.data[0]!;
    expect(dispute).toMatchObject({
      object: 'dispute',
      amount: 4200,
      reason: 'fraudulent',
      status: 'needs_response',
      charge: pi.latest_charge,
    });
    expect(dispute.id).toMatch(/^dp_/);
    expect(dispute.balance_transactions[0]).toMatchObject({
      type: 'adjustment',
      amount: -4200,
      fee: 1500,
      reporting_category: 'dispute',
    });
    expect((await stripe.charges.retrieve(pi.latest_charge as string)).disputed).toBe(true);
    await expect(
      stripe.refunds.create({ payment_intent: pi.id }, { idempotencyKey: key() }),
    ).rejects.toMatchObject({ code: 'charge_disputed' });
  });

  it('when the bank reverses a payment through the control API, then a lost bank_cannot_process dispute takes the money back', async () => {
    const pi = await paidIntent(3300);
    const res = await fetch(`${sandbox.url}/__sandbox/stripe/reversals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payment_intent: pi.id }),
    });
    expect(res.status).toBe(201);
    await receiver.waitFor(() => eventTypes().includes('charge.dispute.closed'));
    expect(eventTypes()).toEqual(
      expect.arrayContaining([
        'charge.dispute.created',
        'charge.dispute.funds_withdrawn',
        'charge.dispute.closed',
      ]),
    );
    const [dispute] = (await stripe.disputes.list({ payment_intent: pi.id })).data;
    expect(dispute).toMatchObject({ reason: 'bank_cannot_process', status: 'lost', amount: 3300 });
    const adjustments = await stripe.balanceTransactions.list({ type: 'adjustment' });
    expect(adjustments.data.map((t) => t.amount)).toEqual([-3300]);
  });

  it('when a dispute is opened and then won, then the funds are reinstated', async () => {
    const pi = await paidIntent(2000);
    const dispute = sandbox.openDispute(pi.id);
    const res = await fetch(`${sandbox.url}/__sandbox/stripe/disputes/${dispute.id}/close`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'won' }),
    });
    expect(res.status).toBe(200);
    expect((await stripe.disputes.retrieve(dispute.id)).status).toBe('won');
    const adjustments = await stripe.balanceTransactions.list({ type: 'adjustment' });
    expect(adjustments.data.map((t) => t.amount)).toEqual([2000, -2000]);
  });

  it('when 3-D Secure is required, then the intent waits in requires_action until it is confirmed again', async () => {
    const pi = await stripe.paymentIntents.create(
      { amount: 1500, currency: 'eur', payment_method: 'pm_card_authenticationRequired', confirm: true },
      { idempotencyKey: key() },
    );
    expect(pi.status).toBe('requires_action');
    expect(pi.next_action?.type).toBe('use_stripe_sdk');
    const done = await stripe.paymentIntents.confirm(pi.id, {}, { idempotencyKey: key() });
    expect(done.status).toBe('succeeded');
  });

  it('when an authorized intent is cancelled, then the authorization is released and it cannot be captured', async () => {
    const pi = await stripe.paymentIntents.create(
      {
        amount: 1500,
        currency: 'eur',
        capture_method: 'manual',
        payment_method: 'pm_card_visa',
        confirm: true,
      },
      { idempotencyKey: key() },
    );
    const canceled = await stripe.paymentIntents.cancel(
      pi.id,
      { cancellation_reason: 'abandoned' },
      { idempotencyKey: key() },
    );
    expect(canceled).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'abandoned',
      amount_capturable: 0,
    });
    await expect(stripe.paymentIntents.capture(pi.id, {}, { idempotencyKey: key() })).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    expect(await stripe.charges.retrieve(pi.latest_charge as string)).toMatchObject({
      refunded: true,
      amount_captured: 0,
    });
  });

  it('when an intent is retrieved with expand, then the latest charge comes back as an object', async () => {
    const pi = await paidIntent(800);
    const expanded = await stripe.paymentIntents.retrieve(pi.id, {
      expand: ['latest_charge.balance_transaction'],
    });
    const charge = expanded.latest_charge as Stripe.Charge;
    expect(charge.object).toBe('charge');
    expect((charge.balance_transaction as Stripe.BalanceTransaction).amount).toBe(800);
  });

  it('when a parameter is not part of the API, then the request is refused naming it', async () => {
    await expect(
      stripe.paymentIntents.create(
        { amount: 100, currency: 'eur', amount_in_cents: 100 } as Stripe.PaymentIntentCreateParams,
        { idempotencyKey: key() },
      ),
    ).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'parameter_unknown',
      param: 'amount_in_cents',
    });
    expect(sandbox.state.stripe.paymentIntents.size).toBe(0);
  });

  it('when the API key is wrong or the object is unknown, then the SDK throws the matching error classes', async () => {
    const wrong = stripeClient({ apiKey: 'sk_test_wrong', baseUrl: sandbox.url, maxNetworkRetries: 0 });
    await expect(wrong.paymentIntents.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    const missing = await stripe.paymentIntents.retrieve('pi_missing').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    await expect(
      stripe.paymentIntents.create(
        { amount: 100, currency: 'eur', payment_method: 'card_1234' },
        { idempotencyKey: key() },
      ),
    ).rejects.toMatchObject({ code: 'resource_missing', param: 'payment_method' });
  });
});

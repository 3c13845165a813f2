import { paymentIntentOf, sendgridWebhooks, stripeWebhook, twilioWebhook, WebhookRejected, withinTolerance } from './webhook';

const at = { receivedAt: new Date('2026-05-01T12:00:00Z'), headers: { 'content-type': 'application/json' } };

const stripeEvent = (object: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  id: 'evt_1',
  object: 'event',
  type: 'charge.refunded',
  created: 1_777_000_000,
  data: { object },
  ...over,
});

describe('paymentIntentOf', () => {
  it('when the object is an intent, a charge, a refund, a dispute or an expanded reference, then the intent id is found', () => {
    expect(paymentIntentOf({ object: 'payment_intent', id: 'pi_1' })).toBe('pi_1');
    expect(paymentIntentOf({ object: 'charge', id: 'ch_1', payment_intent: 'pi_2' })).toBe('pi_2');
    expect(paymentIntentOf({ object: 'refund', id: 're_1', payment_intent: 'pi_3' })).toBe('pi_3');
    expect(paymentIntentOf({ object: 'dispute', id: 'dp_1', payment_intent: { id: 'pi_4' } })).toBe('pi_4');
    expect(paymentIntentOf({ object: 'customer', id: 'cus_1' })).toBeNull();
  });
});

describe('stripeWebhook', () => {
  it('when a charge event arrives, then it is keyed by its payment intent and deduped by the event id', () => {
    const w = stripeWebhook(stripeEvent({ object: 'charge', id: 'ch_1', payment_intent: 'pi_9' }), '{}', at);
    expect(w).toMatchObject({ provider: 'stripe', dedupeKey: 'evt_1', rootId: 'pi_9', eventType: 'charge.refunded' });
    expect(w.event).toMatchObject({ type: 'stripe.event.v1', subject: 'pi_9', id: w.webhookId });
    expect(w.event.data).toMatchObject({ eventId: 'evt_1', paymentIntentId: 'pi_9', receivedAt: '2026-05-01T12:00:00.000Z' });
  });

  it('when an event belongs to no payment intent, then it is keyed by its own object', () => {
    expect(stripeWebhook(stripeEvent({ object: 'payout', id: 'po_1' }), '{}', at).rootId).toBe('po_1');
  });

  it('when the body is not a Stripe event, then it is refused as malformed', () => {
    const refuse = (body: unknown) => {
      try {
        stripeWebhook(body, '', at);
      } catch (e) {
        return e instanceof WebhookRejected ? e.reason : 'other';
      }
      return 'accepted';
    };
    expect(refuse([])).toBe('malformed');
    expect(refuse({ id: 'evt_1', type: 'x', created: 1 })).toBe('malformed');
    expect(refuse(stripeEvent({}, { id: '' }))).toBe('malformed');
    expect(refuse(stripeEvent({}, { created: 'yesterday' }))).toBe('malformed');
  });

  it('when a stored webhook is replayed, then it keeps its webhook id and gets a fresh event id', () => {
    const w = stripeWebhook(stripeEvent({ object: 'payment_intent', id: 'pi_1' }), '{}', { ...at, replay: { webhookId: 'w-1', eventId: 'e-2' } });
    expect(w.webhookId).toBe('w-1');
    expect(w.event.id).toBe('e-2');
  });
});

describe('twilioWebhook', () => {
  it('when a status callback arrives, then it is deduped by MessageSid and status and keyed by MessageSid', () => {
    const w = twilioWebhook({ MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' }, 'raw', at);
    expect(w).toMatchObject({ dedupeKey: 'SM1:undelivered', rootId: 'SM1' });
    expect(w.event.data).toMatchObject({ messageSid: 'SM1', status: 'undelivered', errorCode: '30003' });
  });

  it('when MessageSid or MessageStatus is missing, then it is malformed', () => {
    expect(() => twilioWebhook({ MessageSid: 'SM1' }, '', at)).toThrow(WebhookRejected);
  });
});

describe('sendgridWebhooks', () => {
  const ev = (id: string, over: Record<string, unknown> = {}) => ({
    sg_event_id: id,
    sg_message_id: 'msg.filter-1',
    event: 'delivered',
    email: 'ann@example.com',
    timestamp: 1_777_000_000,
    ...over,
  });

  it('when a post carries several events, then each becomes its own webhook keyed by sg_message_id', () => {
    const ws = sendgridWebhooks([ev('a'), ev('b', { event: 'bounce' })], at);
    expect(ws.map((w) => [w.dedupeKey, w.rootId, w.eventType])).toEqual([
      ['a', 'msg.filter-1', 'delivered'],
      ['b', 'msg.filter-1', 'bounce'],
    ]);
    expect(JSON.parse(ws[1]!.body)).toMatchObject({ sg_event_id: 'b' });
  });

  it('when an event lacks its message id, then it is keyed by its own id', () => {
    expect(sendgridWebhooks([ev('c', { sg_message_id: undefined })], at)[0]!.rootId).toBe('c');
  });

  it('when the post is not an array of events, then it is malformed', () => {
    expect(() => sendgridWebhooks({}, at)).toThrow(WebhookRejected);
    expect(() => sendgridWebhooks([], at)).toThrow(WebhookRejected);
    expect(() => sendgridWebhooks([ev('d', { email: 3 })], at)).toThrow(WebhookRejected);
  });
});

describe('withinTolerance', () => {
  const now = new Date(1_000_000 * 1000);
  it('when the timestamp is inside the window either way, then it is accepted; outside or not a number, refused', () => {
    expect(withinTolerance(1_000_000 - 300, now, 300)).toBe(true);
    expect(withinTolerance(1_000_000 + 300, now, 300)).toBe(true);
    expect(withinTolerance(1_000_000 - 301, now, 300)).toBe(false);
    expect(withinTolerance(1_000_000 + 301, now, 300)).toBe(false);
    expect(withinTolerance(Number.NaN, now, 300)).toBe(false);
  });
});

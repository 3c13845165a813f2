import { buildEvent, ContractError, fromWire, toWire } from './envelope';
import { topicOf } from './registry';

const placed = () =>
  buildEvent(
    'hold.placed.v1',
    { holdId: 'h1', matchId: 'm1', userId: 'u1', quantity: 2, expiresAt: new Date().toISOString() },
    { source: 'booking', subject: 'h1' },
  );

describe('CloudEvents envelope in Kafka binary mode', () => {
  it('when an event is serialised, then ce_* headers carry its attributes and the key is its subject', () => {
    const wire = toWire(placed(), { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    expect(wire.topic).toBe('booking.events');
    expect(wire.key).toBe('h1');
    expect(wire.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_type: 'hold.placed.v1',
      ce_source: 'booking',
      ce_subject: 'h1',
      'content-type': 'application/json',
      traceparent: expect.stringMatching(/^00-/),
    });
    expect(JSON.parse(wire.value)).toMatchObject({ holdId: 'h1', quantity: 2 });
  });

  it('when a message round-trips through Kafka headers as Buffers, then the same event comes back', () => {
    const event = placed();
    const wire = toWire(event);
    const headers = Object.fromEntries(Object.entries(wire.headers).map(([k, v]) => [k, Buffer.from(v)]));
    expect(fromWire({ key: Buffer.from(wire.key), value: Buffer.from(wire.value), headers })).toEqual(event);
  });

  it('when data breaks the contract, then building the event fails with the offending path', () => {
    expect(() =>
      buildEvent('hold.placed.v1', { holdId: 'h1', matchId: 'm1', userId: 'u1', quantity: 0, expiresAt: 'x' } as never, {
        source: 'booking',
        subject: 'h1',
      }),
    ).toThrow(ContractError);
  });

  it('when a poisoned message arrives (not a CloudEvent, unknown type, bad data), then parsing fails clearly', () => {
    expect(() => fromWire({ value: '{}', headers: {} })).toThrow(/not a CloudEvent/);
    const wire = toWire(placed());
    expect(() => fromWire({ value: wire.value, headers: { ...wire.headers, ce_type: 'nope.v1' } })).toThrow(/unknown event type/);
    expect(() => fromWire({ value: '{"holdId":1}', headers: wire.headers })).toThrow(ContractError);
    expect(() => fromWire({ value: 'not json', headers: wire.headers })).toThrow(ContractError);
  });

  it('when looking up where an event goes, then every type maps to exactly one topic', () => {
    expect(topicOf['payment.succeeded.v1']).toBe('payment.events');
    expect(topicOf['stripe.event.v1']).toBe('provider.webhooks');
    expect(topicOf['reconciliation.refund.requested.v1']).toBe('reconciliation.events');
  });
});

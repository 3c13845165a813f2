import { splitAmount } from './fans';
import { assignPersonas, fillNotified } from './scenario';
import { latencies, percentile, renderSummary, type RunSummary } from './summary';
import type { FanResult } from './fans';
import type { SandboxState } from './sandbox';

const fan = (o: Partial<FanResult> = {}): FanResult => ({
  userId: 'u1',
  email: 'u1@fans.matchday.test',
  persona: 'happy',
  matchId: 'm1',
  quantity: 1,
  startedAt: 0,
  outcome: 'confirmed',
  ...o,
});

describe('the summary', () => {
  it('when asked for percentiles, then it gives nearest-rank values', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('when fans were confirmed and notified, then latencies run hold → confirmed → notified', () => {
    const l = latencies([fan({ holdAt: 1000, confirmedAt: 1800, notifiedAt: 2100 }), fan({ holdAt: 0, confirmedAt: undefined })]);
    expect(l).toEqual({ holdToConfirmed: [800], confirmedToNotified: [300], holdToNotified: [1100] });
  });

  it('when an invariant fails, then the table shows FAIL with the offending ids and the result line says so', () => {
    const s: RunSummary = {
      fans: [fan({ holdAt: 0, confirmedAt: 500, notifiedAt: 700 })],
      bookings: [],
      notifications: [],
      captures: 1,
      refunds: 0,
      disputes: 0,
      loadStartedAt: 0,
      loadEndedAt: 2000,
      requests: 10,
      retries: 1,
      networkErrors: 0,
      chaos: [{ target: 'payment', action: 'kill -9', at: 0, downMs: 4200 }],
      aftermath: { cancelled: 2, transferred: 1 },
      invariants: [
        { name: 'slots confirmed + held ≤ capacity', verdict: 'PASS', checked: 1, offenders: [] },
        { name: 'money: captured − refunded − reversed = state', verdict: 'FAIL', checked: 3, offenders: ['b7 CONFIRMED: 0 − 0 − 0 = 0, expected 4500 EUR'] },
      ],
      notes: [],
      gaps: [],
      unexpected: [],
    };
    const text = renderSummary(s);
    expect(text).toContain('FAIL    money: captured − refunded − reversed = state (3 checked, 1 offending)');
    expect(text).toContain('- b7 CONFIRMED');
    expect(text).toContain('hold → confirmed  p50 / p99');
    expect(text).toContain('500 ms / 500 ms');
    expect(text).toContain('kill -9 payment');
    expect(text).toMatch(/\| transferred +\| +1 \|/);
    expect(text).toContain('RESULT: 1 invariant(s) not shown to hold');
  });
});

describe('the scenario building blocks', () => {
  it('when personas are assigned, then each gets its share and they are interleaved', () => {
    const p = assignPersonas(100, { happy: 50, fraud: 10, split: 40 });
    expect(p.filter((x) => x === 'happy')).toHaveLength(50);
    expect(p.filter((x) => x === 'fraud')).toHaveLength(10);
    expect(p.slice(0, 10).filter((x) => x === 'happy').length).toBeGreaterThanOrEqual(4);
  });

  it('when an amount is split among friends, then the shares add up exactly', () => {
    expect(splitAmount(10000, 3)).toEqual([3334, 3333, 3333]);
  });

  it('when the provider accepted the confirmation email, then the fan is notified at that moment', () => {
    const to = [{ to: [{ email: 'u1@fans.matchday.test' }] }];
    const state = {
      fcm: { messages: [] },
      sendgrid: {
        messages: [
          { messageId: 'a', receivedAt: 900, request: { subject: 'Your booking is confirmed', personalizations: to } },
          { messageId: 'b', receivedAt: 2500, request: { subject: 'Your booking is confirmed', personalizations: to } },
        ],
      },
    } as unknown as SandboxState;
    const fans = [fan({ holdAt: 1000, confirmedAt: 2000 })];
    fillNotified(fans, state);
    expect(fans[0]!.notifiedAt).toBe(2500);
  });

  it('when the email carries the notification id, then the booking-confirmed notification decides which message counts', () => {
    const to = (id: string) => [{ to: [{ email: 'u1@fans.matchday.test' }], custom_args: { notification_id: id } }];
    const state = {
      fcm: { messages: [] },
      sendgrid: {
        messages: [
          { messageId: 'a', receivedAt: 2100, request: { subject: 'Your booking is confirmed', personalizations: to('n-other') } },
          { messageId: 'b', receivedAt: 2600, request: { subject: 'Booked', personalizations: to('n-confirmed') } },
        ],
      },
    } as unknown as SandboxState;
    const fans = [fan({ holdAt: 1000, confirmedAt: 2000 })];
    fillNotified(fans, state, [
      { notificationId: 'n-other', userId: 'u1', channel: 'email', sourceEventType: 'match.rescheduled.v1' },
      { notificationId: 'n-confirmed', userId: 'u1', channel: 'email', sourceEventType: 'booking.confirmed.v1' },
    ]);
    expect(fans[0]!.notifiedAt).toBe(2600);
  });
});

import { buildEvent } from '@matchday/contracts';
import { CATALOGUE, catalogueEntry } from './catalogue';

describe('catalogue', () => {
  it('when a payment failure names a modification, then it is told as that change not being made, not as the booking’s payment failing', () => {
    const failed = (modificationId?: string) =>
      buildEvent(
        'payment.failed.v1',
        {
          bookingId: 'b1',
          paymentId: 'p2',
          reason: 'card_declined',
          ...(modificationId && { modificationId }),
        },
        { source: 'payment', subject: 'b1' },
      );
    expect(catalogueEntry(failed('mod-1'))).toEqual({
      template: 'modification-payment-failed',
      critical: true,
      audience: 'booking_owner',
    });
    expect(catalogueEntry(failed())).toBe(CATALOGUE['payment.failed.v1']);
  });

  it('when a change waiting for its extra payment is dropped, then it is told to the booking’s owner as a change not made, critical like a change whose extra charge failed', () => {
    const dropped = buildEvent(
      'modification.dropped.v1',
      {
        bookingId: 'b1',
        matchId: 'm1',
        userId: 'u1',
        modificationId: 'mod-1',
        status: 'EXPIRED',
        reason: 'payment_window_closed',
        amount: 9000,
        currency: 'EUR',
      },
      { source: 'booking', subject: 'b1' },
    );
    expect(catalogueEntry(dropped)).toEqual({
      template: 'modification-expired',
      critical: true,
      audience: 'booking_owner',
    });
  });
});

import type { AppDeps, Tx } from './deps';
import { openLedger } from './ledger';

/**
 * booking.expired / booking.cancelled. An unpaid booking is closed: authorizations are released and
 * partial payments refunded (a split that timed out gives back what was paid). A paid booking's money
 * is not touched here: after an expiry, booking decides on payment.succeeded (re-reserve or ask for a
 * refund); after a cancellation, refund.requested says how much goes back.
 */
export function makeCloseBooking(deps: AppDeps) {
  return async (trx: Tx, bookingId: string, why: 'expired' | 'cancelled'): Promise<void> => {
    const ledger = await openLedger(deps, trx, bookingId);
    const b = ledger.booking;
    if (b.phase === 'closed') return;
    if (b.phase === 'paid') {
      if (why === 'cancelled') {
        // Money goes back through refund.requested; only a change's payment still under way is released.
        await ledger.close('cancelled', null);
      } else {
        deps.logger.info('paid booking expired on booking\'s side; booking settles it on payment.succeeded', { bookingId });
      }
    } else {
      await ledger.close(why, why === 'expired' ? 'expired' : 'cancellation');
    }
    await ledger.save();
    deps.logger.info('booking closed for payment', { bookingId, why, phase: b.phase });
  };
}

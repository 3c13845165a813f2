import { randomUUID } from 'node:crypto';
import type { EventData } from '@matchday/contracts';
import { fxQuotesRepository } from '../db/fx-quotes.repository';
import { jobsRepository } from '../db/jobs.repository';
import { paymentsRepository } from '../db/payments.repository';
import { changeAmount } from '../domain/booking-payments';
import { convertMinor } from '../domain/money';
import type { Payment } from '../domain/payment';
import type { AppDeps, Tx } from './deps';
import { openLedger } from './ledger';

/**
 * booking.modified (time, date or slot count): the booking's total changes by priceDelta. Less →
 * the difference is refunded (spread over the payers). More → the booking's owner is charged the
 * difference with the payment method of their original share, captured once fraud allows (it
 * already did for a confirmed booking); payment.succeeded, naming this modification, follows once
 * what the booking holds covers the new total (a dropped change's money on its way back does not
 * count), payment.failed (with the payment id, naming this modification) if the card is declined,
 * and the total goes back.
 */
export function makeApplyModification(deps: AppDeps) {
  return async (trx: Tx, data: EventData<'booking.modified.v1'>): Promise<void> => {
    const ledger = await openLedger(deps, trx, data.bookingId);
    const b = ledger.booking;
    const previousAmount = b.amount;
    // A lower total is paid already; a higher one is reported paid once its extra charge is captured.
    changeAmount(b, data.amount);
    if (data.priceDelta < 0) {
      await ledger.requestRefund({ bookingAmount: -data.priceDelta, reason: 'modification', requestKey: `modification:${data.modificationId}` });
    } else if (data.priceDelta > 0) {
      const payments = await ledger.payments();
      const original =
        payments.find((p) => p.purpose === 'booking' && p.capturedAmount > 0 && p.userId === b.userId) ??
        payments.find((p) => p.purpose === 'booking' && p.capturedAmount > 0);
      if (!original) {
        deps.logger.error('extra payment for a change, but no captured payment to charge like it', { bookingId: data.bookingId, modificationId: data.modificationId });
        b.amount = previousAmount;
        await ledger.reportFailure('no_payment_method', { paymentId: payments[0]?.paymentId ?? data.modificationId, modificationId: data.modificationId });
        await ledger.save();
        return;
      }
      const now = deps.clock();
      let amount = data.priceDelta;
      let fxRate = 1;
      let quoteId: string | null = null;
      let quoteExpiresAt: Date | null = null;
      if (original.currency !== original.bookingCurrency) {
        fxRate = deps.currency.rate(original.bookingCurrency, original.currency);
        amount = convertMinor(data.priceDelta, original.bookingCurrency, original.currency, fxRate);
        quoteExpiresAt = new Date(now.getTime() + deps.settings.quoteTtlSeconds * 1000);
        quoteId = (
          await fxQuotesRepository.insert(trx, {
            quoteId: randomUUID(),
            bookingId: data.bookingId,
            from: original.bookingCurrency,
            to: original.currency,
            rate: fxRate,
            amount: data.priceDelta,
            converted: amount,
            expiresAt: quoteExpiresAt,
          })
        ).quoteId;
      }
      const extra: Payment = {
        ...original,
        paymentId: randomUUID(),
        purpose: 'modification',
        modificationId: data.modificationId,
        attempt: 1,
        amount,
        bookingAmount: data.priceDelta,
        fxRate,
        quoteId,
        quoteExpiresAt,
        intentId: null,
        status: 'pending',
        capturedAmount: 0,
        refundedAmount: 0,
        reversedAmount: 0,
        bookingRefunded: 0,
        bookingReversed: 0,
        failureCode: null,
        failureMessage: null,
        confirmSeq: 0,
        deferred: false,
        replacedBy: null,
        createdAt: now,
      };
      if (await paymentsRepository.insert(trx, extra)) {
        await jobsRepository.add(trx, { kind: 'create_intent', paymentId: extra.paymentId, dedupeKey: `create:${extra.paymentId}` });
      }
      b.pendingModification = { modificationId: data.modificationId, delta: data.priceDelta, previousAmount };
    }
    await ledger.save();
    deps.logger.info('booking modification applied to payments', { bookingId: data.bookingId, modificationId: data.modificationId, priceDelta: data.priceDelta });
  };
}

import { randomUUID } from 'node:crypto';
import { DomainError, type EventData } from '@matchday/contracts';
import { fxQuotesRepository } from '../db/fx-quotes.repository';
import { jobsRepository } from '../db/jobs.repository';
import { paymentsRepository } from '../db/payments.repository';
import { convertMinor } from '../domain/money';
import type { Payment } from '../domain/payment';
import type { AppDeps, Tx } from './deps';
import { openLedger } from './ledger';

/**
 * booking.created: one payment per payer share (a single payer, or a split), each in the payer's
 * currency through a locked FX quote, and a job creating its provider intent. A share with a payment
 * method is confirmed at once; the others wait for their payer (POST /v1/payments/{id}/confirm).
 * Until fraud allows, an authorized payment is never captured.
 */
export function makeOpenBookingPayments(deps: AppDeps) {
  return async (trx: Tx, data: EventData<'booking.created.v1'>): Promise<void> => {
    const ledger = await openLedger(deps, trx, data.bookingId);
    const b = ledger.booking;
    if (b.known) return; // already opened (a replay of the same booking)
    const now = deps.clock();
    Object.assign(b, {
      known: true,
      userId: data.userId,
      matchId: data.matchId,
      amount: data.amount,
      currency: data.currency,
      paymentDeadline: new Date(data.paymentDeadline),
      createdAt: now,
    });

    const shareSum = data.payers.reduce((n, s) => n + s.amount, 0);
    if (shareSum !== data.amount) {
      deps.logger.warn('payer shares do not add up to the booking amount; the booking is paid when the captured sum reaches the amount', {
        bookingId: data.bookingId,
        amount: data.amount,
        shares: shareSum,
      });
    }

    if (b.fraud === 'block') {
      // Fraud decided before the booking arrived: nothing is ever charged.
      await ledger.close('fraud_block', null);
      await ledger.reportFailure('fraud_block');
      await ledger.save();
      return;
    }

    const payments: Payment[] = [];
    for (const [i, share] of data.payers.entries()) {
      const currency = share.paymentCurrency ?? share.currency;
      if (!deps.currency.validateCurrencySupport(currency) || !deps.currency.validateCurrencySupport(data.currency)) {
        deps.logger.warn('payer currency not supported', { bookingId: data.bookingId, payerId: share.payerId, currency });
        await ledger.close('failed', null);
        await ledger.reportFailure('unsupported_currency', { code: currency });
        await ledger.save();
        return;
      }
      let amount = share.amount;
      let fxRate = 1;
      let quoteId: string | null = null;
      let quoteExpiresAt: Date | null = null;
      if (currency !== data.currency) {
        fxRate = deps.currency.rate(data.currency, currency);
        amount = convertMinor(share.amount, data.currency, currency, fxRate);
        quoteExpiresAt = new Date(now.getTime() + deps.settings.quoteTtlSeconds * 1000);
        quoteId = (
          await fxQuotesRepository.insert(trx, {
            quoteId: randomUUID(),
            bookingId: data.bookingId,
            from: data.currency,
            to: currency,
            rate: fxRate,
            amount: share.amount,
            converted: amount,
            expiresAt: quoteExpiresAt,
          })
        ).quoteId;
      }
      if (amount <= 0) throw new DomainError('INVALID_SHARE', { payerId: share.payerId }, 'a payer share must be positive');
      payments.push({
        paymentId: randomUUID(),
        bookingId: data.bookingId,
        payerId: share.payerId,
        userId: share.userId ?? (i === 0 ? data.userId : null),
        purpose: 'booking',
        modificationId: null,
        attempt: 1,
        amount,
        currency,
        bookingAmount: share.amount,
        bookingCurrency: data.currency,
        fxRate,
        quoteId,
        quoteExpiresAt,
        paymentMethod: share.paymentMethod ?? null,
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
      });
    }
    for (const p of payments) {
      if (await paymentsRepository.insert(trx, p)) {
        await jobsRepository.add(trx, { kind: 'create_intent', paymentId: p.paymentId, dedupeKey: `create:${p.paymentId}` });
      }
    }
    await ledger.save();
    deps.logger.info('booking payments opened', { bookingId: data.bookingId, payers: payments.length, amount: data.amount, currency: data.currency });
  };
}

import { DomainError } from '@matchday/contracts';
import { counter, type Logger } from '@matchday/observability';
import { convertMinor } from '../domain/money';
import { decideRateFluctuation, type CurrencyHandler, type RateFluctuationDecision, type RateSource } from '../domain/currency';

export const fxDecisions = counter({
  name: 'payment_fx_decisions_total',
  help: 'Captures of shares paid in another currency by fluctuation decision (quote_valid, within_tolerance, beyond_tolerance)',
  labelNames: ['decision'],
});

export interface PaymentCurrencyHandler extends CurrencyHandler {
  /** Units of `to` per unit of `from`, now. */
  rate(from: string, to: string): number;
  readonly tolerance: number;
}

/** The seed's CurrencyHandler over a rate source, the supported list and the tolerance. */
export function makeCurrencyHandler(deps: { rates: RateSource; supported: readonly string[]; tolerance: number; logger: Logger }): PaymentCurrencyHandler {
  const supported = new Set(deps.supported);
  const validateCurrencySupport = (currency: string) => supported.has(currency);
  const rate = (from: string, to: string) => {
    for (const c of [from, to]) {
      if (!validateCurrencySupport(c)) throw new DomainError('CURRENCY_NOT_SUPPORTED', { currency: c }, `${c} is not a supported currency`);
    }
    return deps.rates.rate(from, to);
  };
  return {
    tolerance: deps.tolerance,
    validateCurrencySupport,
    rate,
    async convertAmount(amount, fromCurrency, toCurrency) {
      return convertMinor(amount, fromCurrency, toCurrency, rate(fromCurrency, toCurrency));
    },
    /** Asked once the quote has expired: within the tolerance the quote still holds, beyond it the payer re-confirms. */
    async handleRateFluctuation(bookingId, expectedRate, actualRate): Promise<RateFluctuationDecision> {
      const decision = decideRateFluctuation({ expectedRate, actualRate, quoteExpired: true, tolerance: deps.tolerance });
      fxDecisions.inc({ decision: decision.reason });
      const log = decision.action === 'requote' ? deps.logger.warn : deps.logger.info;
      log.call(deps.logger, 'exchange rate moved since the quote', { bookingId, expectedRate, actualRate, drift: decision.drift, decision: decision.action });
      return decision;
    },
  };
}

import { randomUUID } from 'node:crypto';
import { DomainError } from '@matchday/contracts';
import { fxQuotesRepository, type FxQuote } from '../db/fx-quotes.repository';
import { convertMinor } from '../domain/money';
import type { AppDeps } from './deps';

/** POST /v1/fx/quotes: a rate locked for FX_QUOTE_TTL_SECONDS (what a payer in another currency would pay). */
export function makeQuoteFx(deps: AppDeps) {
  const quote = async (input: { from: string; to: string; amount?: number; bookingId?: string }): Promise<FxQuote> => {
    const rate = deps.currency.rate(input.from, input.to);
    const now = deps.clock();
    return fxQuotesRepository.insert(deps.db, {
      quoteId: randomUUID(),
      bookingId: input.bookingId ?? null,
      from: input.from,
      to: input.to,
      rate,
      amount: input.amount ?? null,
      converted: input.amount === undefined ? null : convertMinor(input.amount, input.from, input.to, rate),
      expiresAt: new Date(now.getTime() + deps.settings.quoteTtlSeconds * 1000),
    });
  };
  const get = async (quoteId: string): Promise<FxQuote> => {
    const q = await fxQuotesRepository.get(deps.db, quoteId);
    if (!q) throw new DomainError('QUOTE_NOT_FOUND', { quoteId });
    return q;
  };
  return { quote, get };
}

import type { Knex } from '@matchday/db';
import { applyLists, isMeasured, scoreBooking, type BookingSubject, type Clock, type RiskScore } from '../domain';
import type { ListsRepository } from '../db/lists.repository';
import type { SignalsRepository } from '../db/signals.repository';
import type { RulesProvider } from './rules-provider';

export interface AnalyzeDeps {
  signals: SignalsRepository;
  lists: ListsRepository;
  rules: RulesProvider;
  clock: Clock;
}

/**
 * Seed: analyzeBookingPattern — the risk score of a booking given everything recorded about its
 * user, IP, device and card up to the booking's time: the current rules' figures in one query,
 * then the allow and block lists. Reads only.
 */
export function makeAnalyzeBookingPattern(deps: AnalyzeDeps) {
  return async function analyzeBookingPattern(q: Knex | Knex.Transaction, subject: BookingSubject): Promise<RiskScore> {
    const rules = deps.rules.current();
    const measuredRules = rules.ruleSet.rules.filter(isMeasured).filter((r) => r.enabled);
    const measured = await deps.signals.measure(q, subject, measuredRules);
    const base = scoreBooking(subject, rules, measured);
    const hits = await deps.lists.hits(
      q,
      { user: subject.userId, email: subject.email, ip: subject.ip, card: subject.cardFingerprint },
      deps.clock.now(),
    );
    return applyLists(base, hits);
  };
}

export type AnalyzeBookingPattern = ReturnType<typeof makeAnalyzeBookingPattern>;

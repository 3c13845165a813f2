import type { Knex } from '@matchday/db';
import { validatePaymentMethod, type Clock, type PaymentMethod, type ValidationResult } from '../domain';
import type { ListsRepository } from '../db/lists.repository';
import { fraudMetrics } from './metrics';
import type { RulesProvider } from './rules-provider';

/**
 * Seed: validatePaymentMethod — expiry, issuing country (the rule set's blocked countries) and
 * the block lists (card fingerprint, user, email). A card/IP country mismatch is a warning with
 * the weight the rules give it, not a refusal.
 */
export function makeValidatePaymentMethod(deps: { db: Knex; lists: ListsRepository; rules: RulesProvider; clock: Clock }) {
  return async function validate(pm: PaymentMethod): Promise<ValidationResult> {
    const now = deps.clock.now();
    const hits = await deps.lists.hits(deps.db, { card: pm.cardFingerprint, user: pm.userId, email: pm.email }, now);
    const rules = deps.rules.current().ruleSet;
    const mismatch = rules.rules.find((r) => r.kind === 'country_mismatch' && r.enabled);
    const result = validatePaymentMethod(pm, {
      now,
      blockedCardCountries: rules.blockedCardCountries,
      blockedBy: hits.filter((h) => h.list === 'block').map((h) => ({ kind: h.kind, entryId: h.id })),
      ...(mismatch && { countryMismatchWeight: mismatch.weight }),
    });
    fraudMetrics.paymentMethodChecks.inc({ outcome: result.valid ? 'valid' : 'invalid' });
    return result;
  };
}

import type { RiskReason } from './risk';

/** The seed's PaymentMethod as fraud sees it: what can be checked without the card number. */
export interface PaymentMethod {
  cardFingerprint?: string;
  /** Issuing country, ISO 3166 alpha-2. */
  cardCountry?: string;
  expMonth?: number;
  expYear?: number;
  /** Country of the payer's IP address. */
  ipCountry?: string;
  userId?: string;
  email?: string;
}

/** The seed's ValidationResult: refused when any reason is an error; warnings leave it valid. */
export interface ValidationResult {
  valid: boolean;
  errors: RiskReason[];
  warnings: RiskReason[];
}

export interface PaymentMethodPolicy {
  now: Date;
  blockedCardCountries: readonly string[];
  /** The fingerprint (or the payer) is on the block list. */
  blockedBy: Array<{ kind: string; entryId: string }>;
  /** Weight the rules give a card/IP country mismatch, if that rule is on. */
  countryMismatchWeight?: number;
}

/** A card is valid through the last day of its expiry month. */
export function isExpired(expMonth: number, expYear: number, now: Date): boolean {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() + 1;
  return expYear < year || (expYear === year && expMonth < month);
}

export function validatePaymentMethod(pm: PaymentMethod, policy: PaymentMethodPolicy): ValidationResult {
  const errors: RiskReason[] = [];
  const warnings: RiskReason[] = [];
  if (pm.expMonth !== undefined && pm.expYear !== undefined && isExpired(pm.expMonth, pm.expYear, policy.now)) {
    errors.push({
      rule: 'card_expired',
      weight: 100,
      detail: `card expired at the end of ${String(pm.expMonth).padStart(2, '0')}/${pm.expYear}`,
    });
  }
  for (const b of policy.blockedBy) {
    errors.push({ rule: 'blocklist', weight: 100, detail: `${b.kind} is on the block list (entry ${b.entryId})` });
  }
  const cardCountry = pm.cardCountry?.toUpperCase();
  if (cardCountry && policy.blockedCardCountries.includes(cardCountry)) {
    errors.push({ rule: 'card_country_blocked', weight: 100, detail: `cards issued in ${cardCountry} are not accepted` });
  }
  const ipCountry = pm.ipCountry?.toUpperCase();
  if (cardCountry && ipCountry && cardCountry !== ipCountry && policy.countryMismatchWeight !== undefined) {
    warnings.push({
      rule: 'country_mismatch',
      weight: policy.countryMismatchWeight,
      detail: `card issued in ${cardCountry}, IP in ${ipCountry}`,
    });
  }
  return { valid: errors.length === 0, errors, warnings };
}

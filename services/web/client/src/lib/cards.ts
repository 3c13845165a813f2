/**
 * The sandbox's test card flow. The platform talks to a local provider sandbox that speaks Stripe's
 * API, where a payment is confirmed with a test payment method (`pm_card_visa`, …). The card form
 * takes the familiar Stripe test card numbers and maps each to its test payment method; no card
 * data ever leaves the browser. Any other number is refused with a hint to use a test card.
 */
export interface TestCard {
  number: string;
  paymentMethod: string;
  label: string;
}

export const TEST_CARDS: readonly TestCard[] = [
  { number: '4242424242424242', paymentMethod: 'pm_card_visa', label: 'Visa, succeeds' },
  { number: '5555555555554444', paymentMethod: 'pm_card_mastercard', label: 'Mastercard, succeeds' },
  { number: '4000000000000002', paymentMethod: 'pm_card_chargeDeclined', label: 'Declined' },
  {
    number: '4000000000009995',
    paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds',
    label: 'Declined, insufficient funds',
  },
  {
    number: '4000000000000069',
    paymentMethod: 'pm_card_chargeDeclinedExpiredCard',
    label: 'Declined, expired card',
  },
  {
    number: '4000002500003155',
    paymentMethod: 'pm_card_authenticationRequired',
    label: 'Needs authentication',
  },
  { number: '4000000000000259', paymentMethod: 'pm_card_disputed', label: 'Succeeds, then disputed' },
];

export const digitsOf = (input: string): string => input.replace(/[\s-]/g, '');

/** `4242424242424242` → `4242 4242 4242 4242`. */
export const groupDigits = (digits: string): string => digits.replace(/(\d{4})(?=\d)/g, '$1 ');

/** The Luhn checksum every real card number passes. */
export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export interface CardInput {
  number: string;
  expiry: string;
  cvc: string;
}

export type CardResult =
  { ok: true; paymentMethod: string } | { ok: false; field: keyof CardInput; message: string };

/** Checks the form and maps a test card number to the payment method the sandbox understands. */
export function cardToPaymentMethod(input: CardInput, now: Date = new Date()): CardResult {
  const digits = digitsOf(input.number);
  if (!luhnValid(digits)) return { ok: false, field: 'number', message: 'That card number is not valid.' };
  const card = TEST_CARDS.find((c) => c.number === digits);
  if (!card) {
    return {
      ok: false,
      field: 'number',
      message: 'This is a test environment: use a test card such as 4242 4242 4242 4242.',
    };
  }
  const expiry = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(input.expiry);
  if (!expiry) return { ok: false, field: 'expiry', message: 'Enter the expiry date as MM/YY.' };
  const month = Number(expiry[1]);
  const year = expiry[2]!.length === 2 ? 2000 + Number(expiry[2]) : Number(expiry[2]);
  if (month < 1 || month > 12)
    return { ok: false, field: 'expiry', message: 'Enter the expiry date as MM/YY.' };
  // A card is valid until the end of its expiry month.
  if (new Date(year, month, 1).getTime() <= now.getTime())
    return { ok: false, field: 'expiry', message: 'This card has expired.' };
  if (!/^\d{3,4}$/.test(input.cvc.trim()))
    return { ok: false, field: 'cvc', message: 'Enter the 3 or 4 digit security code.' };
  return { ok: true, paymentMethod: card.paymentMethod };
}

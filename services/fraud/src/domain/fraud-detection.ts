import type { PaymentMethod, ValidationResult } from './payment-method';
import type { RiskScore } from './risk';
import type { BookingSubject } from './rules';

/**
 * The seed's FraudDetection interface, implemented by `makeFraudDetection` (app/fraud-detection.ts).
 *
 * - `analyzeBookingPattern` scores a user's booking pattern (their latest booking, or the one given)
 *   against the current rules and lists, without side effects.
 * - `validatePaymentMethod` checks card expiry, issuing country and the block lists.
 * - `flagSuspiciousActivity` records a flag on a booking and sends it to review.
 */
export interface FraudDetection {
  analyzeBookingPattern(userId: string, booking?: BookingSubject): Promise<RiskScore>;
  validatePaymentMethod(paymentDetails: PaymentMethod): Promise<ValidationResult>;
  flagSuspiciousActivity(bookingId: string, reason: string): Promise<void>;
}

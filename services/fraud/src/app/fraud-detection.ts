import { DomainError } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { FraudDetection } from '../domain';
import type { BookingsRepository } from '../db/bookings.repository';
import type { AnalyzeBookingPattern } from './analyze-booking-pattern.use-case';
import type { makeFlagSuspiciousActivity } from './flag-suspicious-activity.use-case';
import type { makeValidatePaymentMethod } from './validate-payment-method.use-case';

/** The seed's FraudDetection, assembled from the use-cases that implement each operation. */
export function makeFraudDetection(deps: {
  db: Knex;
  bookings: BookingsRepository;
  analyze: AnalyzeBookingPattern;
  validate: ReturnType<typeof makeValidatePaymentMethod>;
  flag: ReturnType<typeof makeFlagSuspiciousActivity>;
  flaggedBy?: string;
}): FraudDetection {
  return {
    async analyzeBookingPattern(userId, booking) {
      const subject = booking ?? (await deps.bookings.latestOfUser(deps.db, userId));
      if (!subject) throw new DomainError('USER_UNKNOWN', { userId }, 'fraud has not seen a booking of this user');
      return deps.analyze(deps.db, subject);
    },
    validatePaymentMethod: (pm) => deps.validate(pm),
    async flagSuspiciousActivity(bookingId, reason) {
      await deps.flag({ bookingId, reason, flaggedBy: deps.flaggedBy ?? 'system:fraud' });
    },
  };
}

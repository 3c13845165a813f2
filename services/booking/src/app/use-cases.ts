import { makeAcceptTransfer, makeGetTransfer } from './accept-transfer.use-case';
import { makeApplyFraudDecision } from './apply-fraud-decision.use-case';
import { makeApplyPaymentEvent } from './apply-payment-event.use-case';
import { makeCancelBooking } from './cancel-booking.use-case';
import { makeCancelMatch } from './cancel-match.use-case';
import { makeCheckout } from './checkout.use-case';
import { makeCreateMatch } from './create-match.use-case';
import type { AppDeps } from './deps';
import { makeMaintainPartitions } from './maintain-partitions.use-case';
import { makeMatchHeat } from './match-heat.use-case';
import { makeBookingModification, makeMoveToMatch } from './modify-booking.use-case';
import { makePlaceHold } from './place-hold.use-case';
import { makeReadBookings } from './read-bookings.use-case';
import { makeGetHold } from './read-holds.use-case';
import { makeReadMatches } from './read-matches.use-case';
import { makeReconfirmBooking } from './reconfirm-booking.use-case';
import { makeUserExperience } from './recover-session.use-case';
import { makeReleaseHold } from './release-hold.use-case';
import { makeRescheduleMatch } from './reschedule-match.use-case';
import { makeWaitlist } from './waitlist.use-case';

/** Every use-case, wired once; HTTP routes and Kafka consumers are thin adapters over these. */
export function buildUseCases(deps: AppDeps) {
  const matchHeat = makeMatchHeat(deps, {
    attemptsPerSecond: deps.config.HOT_MATCH_ATTEMPTS_PER_SECOND,
    cooldownSeconds: deps.config.HOT_MATCH_COOLDOWN_SECONDS,
    admissionRatePerSecond: deps.config.HOT_MATCH_ADMISSION_RATE,
  });
  return {
    matchHeat,
    createMatch: makeCreateMatch(deps),
    rescheduleMatch: makeRescheduleMatch(deps),
    cancelMatch: makeCancelMatch(deps),
    matches: makeReadMatches(deps),
    placeHold: makePlaceHold(deps, matchHeat),
    getHold: makeGetHold(deps),
    releaseHold: makeReleaseHold(deps),
    checkout: makeCheckout(deps),
    bookings: makeReadBookings(deps),
    cancelBooking: makeCancelBooking(deps),
    modification: makeBookingModification(deps),
    moveToMatch: makeMoveToMatch(deps),
    acceptTransfer: makeAcceptTransfer(deps),
    getTransfer: makeGetTransfer(deps),
    waitlist: makeWaitlist(deps),
    userExperience: makeUserExperience(deps),
    applyPaymentEvent: makeApplyPaymentEvent(deps),
    applyFraudDecision: makeApplyFraudDecision(deps),
    reconfirmBooking: makeReconfirmBooking(deps),
    maintainPartitions: makeMaintainPartitions(deps),
  };
}

export type UseCases = ReturnType<typeof buildUseCases>;

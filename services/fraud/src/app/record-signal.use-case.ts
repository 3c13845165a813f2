import { isEvent, type MatchdayEvent } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { BookingsRepository } from '../db/bookings.repository';
import type { Signal, SignalsRepository } from '../db/signals.repository';
import { fraudMetrics } from './metrics';

export interface RecordSignalDeps {
  bookings: BookingsRepository;
  signals: SignalsRepository;
}

/**
 * Turns a consumed event into the signal rules count (holds, unpaid holds and bookings, payments,
 * gateway rate limits and session conflicts) or into the hot-match state scalping rules use.
 * Returns the signal kind recorded, or undefined when the event carries nothing fraud counts.
 */
export function makeRecordSignal(deps: RecordSignalDeps) {
  const ofBooking = async (q: Knex.Transaction, bookingId: string): Promise<Omit<Partial<Signal>, 'kind' | 'occurredAt'>> => {
    const b = await deps.bookings.get(q, bookingId);
    if (!b) return { bookingId };
    return {
      bookingId,
      userId: b.userId,
      matchId: b.matchId,
      ...(b.ip !== undefined && { ip: b.ip }),
      ...(b.deviceId !== undefined && { deviceId: b.deviceId }),
      ...(b.cardFingerprint !== undefined && { cardFingerprint: b.cardFingerprint }),
    };
  };

  return async function recordSignal(trx: Knex.Transaction, event: MatchdayEvent): Promise<string | undefined> {
    const occurredAt = new Date(event.time);
    const base = { occurredAt, eventId: event.id };
    let signal: Signal | undefined;

    if (isEvent(event, 'match.hot.v1')) {
      await deps.bookings.setHot(trx, event.data.matchId, event.data.hot, occurredAt);
      return 'match_hot';
    } else if (isEvent(event, 'hold.placed.v1')) {
      const d = event.data;
      const hot = await deps.bookings.isHot(trx, d.matchId);
      signal = { ...base, kind: 'hold_placed', userId: d.userId, matchId: d.matchId, quantity: d.quantity, hot, detail: { holdId: d.holdId } };
    } else if (isEvent(event, 'hold.expired.v1')) {
      const d = event.data;
      signal = { ...base, kind: 'unpaid', userId: d.userId, matchId: d.matchId, quantity: d.quantity, detail: { holdId: d.holdId, source: event.type } };
    } else if (isEvent(event, 'booking.expired.v1')) {
      const d = event.data;
      signal = { ...base, kind: 'unpaid', userId: d.userId, bookingId: d.bookingId, matchId: d.matchId, quantity: d.quantity, detail: { source: event.type } };
    } else if (isEvent(event, 'booking.confirmed.v1')) {
      const d = event.data;
      signal = { ...base, kind: 'confirmed', userId: d.userId, bookingId: d.bookingId, matchId: d.matchId, quantity: d.quantity };
    } else if (isEvent(event, 'payment.captured.v1')) {
      const d = event.data;
      signal = { ...base, ...(await ofBooking(trx, d.bookingId)), kind: 'payment_captured', detail: { amount: d.amount, currency: d.currency } };
    } else if (isEvent(event, 'payment.failed.v1')) {
      const d = event.data;
      // Payment failing because fraud blocked it is fraud's own decision, not a new signal.
      if (d.reason === 'fraud_block') return undefined;
      signal = {
        ...base,
        ...(await ofBooking(trx, d.bookingId)),
        kind: 'payment_failed',
        detail: { reason: d.reason, ...(d.code !== undefined && { code: d.code }) },
      };
    } else if (isEvent(event, 'ratelimit.exceeded.v1')) {
      const d = event.data;
      signal = {
        ...base,
        kind: 'ratelimit',
        ip: d.ip,
        ...(d.userId !== undefined && { userId: d.userId }),
        detail: { action: d.action, limit: d.limit, windowSeconds: d.windowSeconds },
      };
    } else if (isEvent(event, 'session.conflict.v1')) {
      const d = event.data;
      signal = {
        ...base,
        kind: 'session_conflict',
        userId: d.userId,
        ...(d.matchId !== undefined && { matchId: d.matchId }),
        detail: { devices: d.deviceIds.length },
      };
    }
    if (!signal) return undefined;
    await deps.signals.record(trx, signal);
    fraudMetrics.signals.inc({ kind: signal.kind });
    return signal.kind;
  };
}

export type RecordSignal = ReturnType<typeof makeRecordSignal>;

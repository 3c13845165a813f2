import type { BookingStatus } from '../domain/booking';
import { ErrorCode, fail } from '../domain/errors';
import { bookingsRepository } from '../db/bookings.repository';
import { modificationsRepository } from '../db/modifications.repository';
import type { AppDeps } from './deps';
import type { BookingData } from './ports';
import { bookingView } from './views';

export interface Actor {
  userId: string;
  roles: readonly string[];
}

export const isStaff = (actor: Actor): boolean => actor.roles.includes('admin') || actor.roles.includes('support');

/**
 * Reads a booking through the cache (getCachedBookingData). Owners read their own; support and
 * admin read any; for anybody else the booking does not exist — a transferred booking vanishes for
 * its former owner.
 */
export function makeReadBookings(deps: AppDeps) {
  return {
    async get(actor: Actor, bookingId: string): Promise<BookingData> {
      let data = await deps.cache.getCachedBookingData(bookingId);
      if (!data) {
        const b = await bookingsRepository.get(deps.db, bookingId);
        if (!b) return fail(ErrorCode.BOOKING_NOT_FOUND, 'no such booking', { bookingId });
        data = bookingView(b);
        const cached = data;
        await deps.cache.cacheBookingData(cached);
      }
      if (data.userId !== actor.userId && !isStaff(actor)) return fail(ErrorCode.BOOKING_NOT_FOUND, 'no such booking', { bookingId });
      return data;
    },

    async list(actor: Actor, opts: { status?: BookingStatus | undefined; limit: number; before?: Date | undefined }): Promise<BookingData[]> {
      const rows = await bookingsRepository.listForUser(deps.db, actor.userId, {
        limit: opts.limit,
        ...(opts.status ? { status: opts.status } : {}),
        ...(opts.before ? { before: opts.before } : {}),
      });
      return rows.map(bookingView);
    },

    /** Support/admin: the booking with its payers and modification history. */
    async adminView(bookingId: string): Promise<BookingData & { payers: unknown; modifications: unknown }> {
      const b = await bookingsRepository.get(deps.db, bookingId);
      if (!b) return fail(ErrorCode.BOOKING_NOT_FOUND, 'no such booking', { bookingId });
      const [payers, modifications] = await Promise.all([
        bookingsRepository.payers(deps.db, bookingId),
        modificationsRepository.listForBooking(deps.db, bookingId),
      ]);
      return { ...bookingView(b), payers, modifications };
    },
  };
}

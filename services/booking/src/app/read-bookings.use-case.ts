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

    /** Support/admin: a match's bookings with their money, a page at a time (`nextCursor` until null). */
    async listForMatch(
      matchId: string,
      opts: { status?: BookingStatus | undefined; limit: number; cursor?: string | undefined },
    ): Promise<{ items: BookingData[]; nextCursor: string | null }> {
      let after: { createdAt: Date; id: string } | undefined;
      if (opts.cursor) {
        const [at, id] = Buffer.from(opts.cursor, 'base64url').toString().split('|');
        if (!at || !id || Number.isNaN(Date.parse(at))) return fail(ErrorCode.INVALID_CURSOR, 'unknown cursor; pass nextCursor unchanged');
        after = { createdAt: new Date(at), id };
      }
      const rows = await bookingsRepository.listForMatch(deps.db, matchId, {
        limit: opts.limit,
        ...(opts.status ? { status: opts.status } : {}),
        ...(after ? { after } : {}),
      });
      const last = rows[rows.length - 1];
      return {
        items: rows.map(bookingView),
        nextCursor: rows.length === opts.limit && last ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString('base64url') : null,
      };
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

import type { EventData, MatchdayEvent } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { ProjectionsRepository } from '../db/projections.repository';

/**
 * Keeps this service's view of bookings and matches up to date from booking and inventory events:
 * `booking.created` and `booking.confirmed` → (matchId, bookingId, userId), and `booking.created`'s
 * payers → the users paying its shares; cancelled, expired and reversed bookings stop being bookers;
 * a transfer changes the owner; a modified booking moves to its new match and places, and back when
 * a change waiting for its extra payment is dropped; match events give the title, venue and kick-off
 * the messages quote.
 */
export function makeRecordProjection(deps: { projections: ProjectionsRepository }) {
  const { projections } = deps;
  return async function recordProjection(trx: Knex.Transaction, event: MatchdayEvent): Promise<void> {
    switch (event.type) {
      case 'booking.created.v1': {
        const d = event.data as EventData<'booking.created.v1'>;
        const existing = await projections.booking(trx, d.bookingId);
        // A late or repeated `created` must not undo a confirmation.
        if (!existing)
          await projections.saveBooking(trx, {
            bookingId: d.bookingId,
            matchId: d.matchId,
            userId: d.userId,
            status: 'pending',
            quantity: d.quantity,
          });
        await projections.savePayers(
          trx,
          d.bookingId,
          d.payers.flatMap((p) => (p.userId ? [{ payerId: p.payerId, userId: p.userId }] : [])),
        );
        return;
      }
      case 'booking.confirmed.v1': {
        const d = event.data as EventData<'booking.confirmed.v1'>;
        await projections.saveBooking(trx, {
          bookingId: d.bookingId,
          matchId: d.matchId,
          userId: d.userId,
          status: 'confirmed',
          quantity: d.quantity,
        });
        return;
      }
      case 'booking.cancelled.v1':
      case 'booking.expired.v1':
      case 'booking.reversed.v1': {
        const d = event.data as { bookingId: string; matchId: string; userId: string };
        const status =
          event.type === 'booking.cancelled.v1'
            ? 'cancelled'
            : event.type === 'booking.expired.v1'
              ? 'expired'
              : 'reversed';
        await projections.saveBooking(trx, {
          bookingId: d.bookingId,
          matchId: d.matchId,
          userId: d.userId,
          status,
        });
        return;
      }
      case 'booking.modified.v1': {
        // The booking moves as soon as a change is asked for, even one waiting for an extra payment:
        // booking publishes nothing when that payment lands, only modification.dropped when it does
        // not. So a change that asks for money is kept with where the booking was, and undone if it
        // is dropped; a change with nothing to pay is final.
        const d = event.data as EventData<'booking.modified.v1'>;
        await projections.move(
          trx,
          d.bookingId,
          { matchId: d.toMatchId, quantity: d.toQuantity },
          d.priceDelta > 0
            ? { modificationId: d.modificationId, fromMatchId: d.fromMatchId, fromQuantity: d.fromQuantity }
            : null,
        );
        return;
      }
      case 'modification.dropped.v1': {
        // The change will not happen and the booking stays as it was before it: back to that match
        // and those places. Only the change named is undone, and only once.
        const d = event.data as EventData<'modification.dropped.v1'>;
        await projections.undoModification(trx, d.bookingId, d.modificationId);
        return;
      }
      case 'transfer.accepted.v1': {
        const d = event.data as EventData<'transfer.accepted.v1'>;
        await projections.changeOwner(trx, d.bookingId, d.toUserId);
        return;
      }
      case 'match.created.v1': {
        const d = event.data as EventData<'match.created.v1'>;
        await projections.saveMatch(trx, {
          matchId: d.matchId,
          title: d.title,
          venue: d.venue,
          kickoffAt: d.kickoffAt,
        });
        return;
      }
      case 'match.rescheduled.v1': {
        const d = event.data as EventData<'match.rescheduled.v1'>;
        await projections.saveMatch(trx, {
          matchId: d.matchId,
          kickoffAt: d.kickoffAt,
          ...(d.venue && { venue: d.venue }),
        });
        return;
      }
      case 'match.cancelled.v1': {
        const d = event.data as EventData<'match.cancelled.v1'>;
        await projections.saveMatch(trx, { matchId: d.matchId, cancelled: true });
        return;
      }
      default:
        return;
    }
  };
}

export type RecordProjection = ReturnType<typeof makeRecordProjection>;

import type { Booking } from './booking';
import { ErrorCode, fail } from './errors';
import type { TransferResult, TransferStatus } from './modification';

export interface Transfer {
  id: string;
  bookingId: string;
  fromUserId: string;
  toUserId: string;
  status: TransferStatus;
  expiresAt: Date;
  createdAt: Date;
  acceptedAt: Date | null;
}

/** A transfer asks for the booking to change hands; the recipient must accept before it expires. */
export function assertTransferable(b: Booking, toUserId: string): void {
  if (toUserId === b.userId) fail(ErrorCode.TRANSFER_TO_SELF, 'the booking already belongs to this user');
}

/** Only the recipient may accept, only while pending and before expiry. */
export function assertAcceptable(t: Transfer, actorId: string, now: Date): void {
  if (t.toUserId !== actorId) fail(ErrorCode.TRANSFER_NOT_FOUND, 'no such transfer', { transferId: t.id });
  if (t.status === 'EXPIRED' || (t.status === 'PENDING' && t.expiresAt.getTime() <= now.getTime())) {
    fail(ErrorCode.TRANSFER_EXPIRED, 'the transfer request expired', { transferId: t.id });
  }
  if (t.status !== 'PENDING') fail(ErrorCode.TRANSFER_NOT_PENDING, `the transfer is ${t.status}`, { transferId: t.id, status: t.status });
}

export const transferResult = (t: Transfer): TransferResult => ({
  transferId: t.id,
  bookingId: t.bookingId,
  status: t.status,
  fromUserId: t.fromUserId,
  toUserId: t.toUserId,
  expiresAt: t.expiresAt.toISOString(),
});

/**
 * The seed's ReversalHandler: a bank reversal (or a lost dispute) takes captured money back; the
 * payment and its booking record it, and the user is told (payment.reversed, which notification
 * always delivers).
 */
export interface ReversalHandler {
  handleBankReversal(paymentId: string): Promise<void>;
  updateBookingStatus(bookingId: string, reversalAmount: number): Promise<void>;
  notifyUserOfReversal(bookingId: string): Promise<void>;
}

export type DisputeKind = 'dispute' | 'bank_reversal';
export type DisputeStatus = 'open' | 'won' | 'lost';

/** Stripe reports a bank reversal as a dispute with reason `bank_cannot_process`, lost at once. */
export const disputeKindOf = (reason: string): DisputeKind => (reason === 'bank_cannot_process' ? 'bank_reversal' : 'dispute');

/** Stripe dispute statuses → ours. */
export function disputeStatusOf(status: string): DisputeStatus {
  if (status === 'won') return 'won';
  if (status === 'lost') return 'lost';
  return 'open';
}

export interface Dispute {
  disputeId: string;
  paymentId: string;
  bookingId: string;
  kind: DisputeKind;
  reason: string;
  /** Disputed amount, in the payment's currency and in the booking's. */
  amount: number;
  bookingAmount: number;
  status: DisputeStatus;
  openedReported: boolean;
  closedReported: boolean;
  reversedReported: boolean;
}

export type DisputeEffect = 'opened' | 'won' | 'lost' | 'reversed';

/**
 * What a dispute fact means, given what was already reported: an ordinary dispute is opened, then
 * won (funds back) or lost (money reversed); a bank reversal is money reversed at once. Facts in
 * any order, and repeated, report each effect once.
 */
export function disputeEffects(d: Pick<Dispute, 'kind' | 'status' | 'openedReported' | 'closedReported' | 'reversedReported'>): DisputeEffect[] {
  const out: DisputeEffect[] = [];
  if (d.kind === 'bank_reversal') {
    if (!d.reversedReported && d.status !== 'won') out.push('reversed');
    return out;
  }
  if (!d.openedReported) out.push('opened');
  if (d.status === 'won' && !d.closedReported) out.push('won');
  if (d.status === 'lost') {
    if (!d.closedReported) out.push('lost');
    if (!d.reversedReported) out.push('reversed');
  }
  return out;
}

/** A closed dispute stays closed: a late "needs_response" after "lost" changes nothing. */
export function mergeDisputeStatus(current: DisputeStatus, incoming: DisputeStatus): DisputeStatus {
  return current === 'open' ? incoming : current;
}

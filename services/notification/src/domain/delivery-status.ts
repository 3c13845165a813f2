/**
 * A notification's life: `pending` (waiting for a worker) → `sending` (claimed) → `sent` (a provider
 * accepted it) → `delivered`, or `failed` / `bounced`. `pending` again when a send is retried later
 * (rate limit, every provider down). Reports from providers arrive late, twice and out of order;
 * `applyReport` makes each one either a forward move or a no-op.
 */
export type NotificationStatus = 'pending' | 'sending' | 'sent' | 'delivered' | 'failed' | 'bounced';

/** What a provider said about a message after accepting it. */
export type ProviderReport =
  | { kind: 'progress' }
  | { kind: 'delivered' }
  | { kind: 'failed'; reason: string }
  | { kind: 'bounced'; reason: string };

/** Twilio's `MessageStatus` (+ `ErrorCode`): delivered, or undelivered/failed with the carrier's code. */
export function twilioReport(status: string, errorCode?: string): ProviderReport {
  switch (status) {
    case 'delivered':
      return { kind: 'delivered' };
    case 'undelivered':
    case 'failed':
      return { kind: 'failed', reason: `twilio ${status}${errorCode ? ` (error ${errorCode})` : ''}` };
    default:
      // accepted, queued, sending, sent, read: nothing final yet.
      return { kind: 'progress' };
  }
}

/** SendGrid event types: delivered; bounce; dropped (SendGrid did not even try: a suppressed address). */
export function sendgridReport(event: string, payload: Record<string, unknown>): ProviderReport {
  const reason = typeof payload.reason === 'string' ? payload.reason : undefined;
  switch (event) {
    case 'delivered':
      return { kind: 'delivered' };
    case 'bounce':
      return { kind: 'bounced', reason: `bounce${reason ? `: ${reason}` : ''}` };
    case 'dropped':
      return { kind: 'failed', reason: `dropped${reason ? `: ${reason}` : ''}` };
    default:
      // processed, deferred, open, click, …: no change of outcome.
      return { kind: 'progress' };
  }
}

const FINAL: ReadonlySet<NotificationStatus> = new Set(['failed', 'bounced']);

/**
 * The status after a provider report, or undefined when the report changes nothing: a duplicate, a
 * progress step, a `delivered` after the message already failed, anything after a final failure. A
 * bounce may follow `delivered` (mail servers bounce after accepting).
 */
export function applyReport(
  current: NotificationStatus,
  report: ProviderReport,
): NotificationStatus | undefined {
  if (report.kind === 'progress' || FINAL.has(current)) return undefined;
  if (current !== 'sent' && current !== 'delivered') return undefined;
  switch (report.kind) {
    case 'delivered':
      return current === 'sent' ? 'delivered' : undefined;
    case 'bounced':
      return 'bounced';
    case 'failed':
      return current === 'sent' ? 'failed' : undefined;
  }
}

import type { IntentObservation, ProviderIntentStatus } from '../domain/payment';

/**
 * Stripe objects (from API answers or webhook payloads, both plain JSON) reduced to the facts the
 * payment state machine uses.
 */

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

const INTENT_STATUSES: ProviderIntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
];

export interface ChargeFacts {
  id: string;
  paymentIntentId: string | null;
  paid: boolean;
  captured: boolean;
  failed: boolean;
  amountCaptured: number;
  amountRefunded: number;
  disputed: boolean;
  metadata: Record<string, string>;
}

export interface IntentSnapshot {
  id: string;
  status: ProviderIntentStatus;
  amount: number;
  amountReceived: number;
  currency: string;
  metadata: Record<string, string>;
  decline?: { code: string; message: string };
  charge?: ChargeFacts;
}

export interface RefundSnapshot {
  id: string;
  paymentIntentId: string | null;
  amount: number;
  status: string;
  /** Our refund id, when we asked for it (metadata.refund_id). */
  refundId?: string;
  metadata: Record<string, string>;
}

export interface DisputeSnapshot {
  id: string;
  paymentIntentId: string | null;
  amount: number;
  reason: string;
  status: string;
}

function metadataOf(v: unknown): Record<string, string> {
  const m = obj(v);
  if (!m) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(m)) if (typeof val === 'string') out[k] = val;
  return out;
}

export function chargeFacts(v: unknown): ChargeFacts | undefined {
  const c = obj(v);
  if (!c || c.object !== 'charge' || !str(c.id)) return undefined;
  const pi = c.payment_intent;
  return {
    id: str(c.id)!,
    paymentIntentId: str(pi) ?? str(obj(pi)?.id) ?? null,
    paid: c.paid === true,
    captured: c.captured === true,
    failed: c.status === 'failed',
    amountCaptured: num(c.amount_captured),
    amountRefunded: num(c.amount_refunded),
    disputed: c.disputed === true,
    metadata: metadataOf(c.metadata),
  };
}

export function intentSnapshot(v: unknown): IntentSnapshot | undefined {
  const pi = obj(v);
  const status = str(pi?.status) as ProviderIntentStatus | undefined;
  if (!pi || pi.object !== 'payment_intent' || !str(pi.id) || !status || !INTENT_STATUSES.includes(status)) return undefined;
  const err = obj(pi.last_payment_error);
  const charge = chargeFacts(pi.latest_charge);
  return {
    id: str(pi.id)!,
    status,
    amount: num(pi.amount),
    amountReceived: num(pi.amount_received),
    currency: (str(pi.currency) ?? '').toUpperCase(),
    metadata: metadataOf(pi.metadata),
    ...(err && status === 'requires_payment_method'
      ? { decline: { code: str(err.decline_code) ?? str(err.code) ?? 'card_declined', message: str(err.message) ?? 'declined' } }
      : {}),
    ...(charge ? { charge } : {}),
  };
}

export function refundSnapshot(v: unknown): RefundSnapshot | undefined {
  const r = obj(v);
  if (!r || r.object !== 'refund' || !str(r.id)) return undefined;
  const metadata = metadataOf(r.metadata);
  return {
    id: str(r.id)!,
    paymentIntentId: str(r.payment_intent) ?? null,
    amount: num(r.amount),
    status: str(r.status) ?? 'pending',
    ...(metadata.refund_id ? { refundId: metadata.refund_id } : {}),
    metadata,
  };
}

export function disputeSnapshot(v: unknown): DisputeSnapshot | undefined {
  const d = obj(v);
  if (!d || d.object !== 'dispute' || !str(d.id)) return undefined;
  return {
    id: str(d.id)!,
    paymentIntentId: str(d.payment_intent) ?? str(obj(d.payment_intent)?.id) ?? null,
    amount: num(d.amount),
    reason: str(d.reason) ?? 'general',
    status: str(d.status) ?? 'needs_response',
  };
}

/** The observation an intent snapshot gives the state machine. */
export function observationOf(s: IntentSnapshot): IntentObservation {
  return {
    status: s.status,
    amountReceived: s.amountReceived,
    ...(s.charge
      ? { charge: { paid: s.charge.paid, captured: s.charge.captured, amountCaptured: s.charge.amountCaptured, amountRefunded: s.charge.amountRefunded, failed: s.charge.failed } }
      : {}),
    ...(s.decline ? { decline: s.decline } : {}),
  };
}

/** The observation a charge gives (a charge.refunded may arrive before payment_intent.succeeded). */
export function chargeObservation(c: ChargeFacts): IntentObservation {
  return { charge: { paid: c.paid, captured: c.captured, amountCaptured: c.amountCaptured, amountRefunded: c.amountRefunded, failed: c.failed } };
}

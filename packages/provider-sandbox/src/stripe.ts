/**
 * Stripe: the payment-intent subset a booking platform uses, with charges, refunds, disputes,
 * balance transactions and events, idempotency keys, and signed webhooks.
 *
 * Magic payment methods (Stripe's own test ids where one exists):
 * - `pm_card_visa`, `pm_card_mastercard`, any other `pm_…`: the payment succeeds.
 * - `pm_card_chargeDeclined`: 402 card_error `card_declined` / `generic_decline`.
 * - `pm_card_chargeDeclinedInsufficientFunds`: 402 card_error `card_declined` / `insufficient_funds`.
 * - `pm_card_chargeDeclinedExpiredCard`: 402 card_error `expired_card`.
 * - `pm_card_authenticationRequired`: confirm leaves the intent in `requires_action` (3-D Secure);
 *   confirming it again counts as the customer having authenticated, and the payment goes on.
 * - `pm_card_disputed` (or Stripe's `pm_card_createDispute`): succeeds, then a `fraudulent` dispute is
 *   opened `timings.stripeDisputeAfterMs` later (after the capture, for a manual-capture intent).
 * - `pm_card_bankReversal`: succeeds, then the bank reverses it `timings.stripeDisputeAfterMs` later
 *   (after the capture, for a manual-capture intent).
 *
 * A bank reversal is modelled the way Stripe reports one: a dispute with reason `bank_cannot_process`
 * that is lost at once (no evidence can win it back). Events: `charge.dispute.created`,
 * `charge.dispute.funds_withdrawn`, `charge.dispute.closed` (status `lost`), and a balance transaction
 * of type `adjustment` (reporting category `dispute`) taking the amount back.
 *
 * Cancelling an intent in `requires_capture` releases the authorization: its charge becomes
 * `refunded` (`amount_refunded` = amount, `amount_captured` = 0) and `charge.refunded` is sent, with
 * no balance transaction because no money moved.
 */
import express, { type Request, type Response, type Router } from 'express';
import { createHash } from 'node:crypto';
import qs from 'qs';
import Stripe from 'stripe';
import { nowSec, rawBody, type SandboxContext } from './context';
import { gate, type ProviderGate } from './gate';
import { alnum, stripeId } from './ids';
import type { RateDecision } from './rate-limiter';
import { signStripe } from './signing';

type Params = qs.ParsedQs;
type Metadata = Record<string, string>;

export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export interface StripeErrorBody {
  type: 'card_error' | 'invalid_request_error' | 'api_error' | 'idempotency_error';
  code?: string;
  decline_code?: string;
  message: string;
  param?: string;
  charge?: string;
  payment_intent?: PaymentIntent;
  doc_url?: string;
}

export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  capture_method: 'automatic' | 'automatic_async' | 'manual';
  confirmation_method: 'automatic' | 'manual';
  status: PaymentIntentStatus;
  payment_method: string | null;
  payment_method_types: string[];
  latest_charge: string | null;
  last_payment_error: StripeErrorBody | null;
  next_action: Record<string, unknown> | null;
  cancellation_reason: string | null;
  canceled_at: number | null;
  client_secret: string;
  customer: string | null;
  description: string | null;
  receipt_email: string | null;
  metadata: Metadata;
  created: number;
  livemode: false;
}

export interface Charge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  refunded: boolean;
  disputed: boolean;
  paid: boolean;
  status: 'succeeded' | 'pending' | 'failed';
  currency: string;
  payment_intent: string;
  payment_method: string;
  balance_transaction: string | null;
  failure_code: string | null;
  failure_message: string | null;
  outcome: {
    network_status: string;
    reason: string | null;
    risk_level: string;
    seller_message: string;
    type: string;
  };
  description: string | null;
  metadata: Metadata;
  created: number;
  livemode: false;
}

export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  charge: string;
  payment_intent: string;
  currency: string;
  status: 'succeeded' | 'pending' | 'failed' | 'canceled';
  reason: string | null;
  balance_transaction: string | null;
  metadata: Metadata;
  created: number;
}

export type DisputeStatus = 'warning_needs_response' | 'needs_response' | 'under_review' | 'won' | 'lost';

export interface Dispute {
  id: string;
  object: 'dispute';
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string;
  reason: string;
  status: DisputeStatus;
  balance_transactions: BalanceTransaction[];
  is_charge_refundable: boolean;
  evidence_details: {
    due_by: number | null;
    has_evidence: boolean;
    past_due: boolean;
    submission_count: number;
  };
  metadata: Metadata;
  created: number;
  livemode: false;
}

export interface BalanceTransaction {
  id: string;
  object: 'balance_transaction';
  amount: number;
  currency: string;
  fee: number;
  fee_details: Array<{ amount: number; currency: string; description: string; type: string }>;
  net: number;
  type: 'charge' | 'refund' | 'adjustment';
  reporting_category: 'charge' | 'refund' | 'dispute' | 'dispute_reversal';
  source: string;
  status: 'pending' | 'available';
  available_on: number;
  description: string | null;
  exchange_rate: number | null;
  created: number;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

interface IdempotentEntry {
  fingerprint: string;
  status: number;
  body: unknown;
  requestId: string;
}

export interface StripeState {
  paymentIntents: Map<string, PaymentIntent>;
  charges: Map<string, Charge>;
  refunds: Map<string, Refund>;
  disputes: Map<string, Dispute>;
  balanceTransactions: Map<string, BalanceTransaction>;
  events: Map<string, StripeEvent>;
  idempotency: Map<string, IdempotentEntry>;
}

export function emptyStripeState(): StripeState {
  return {
    paymentIntents: new Map(),
    charges: new Map(),
    refunds: new Map(),
    disputes: new Map(),
    balanceTransactions: new Map(),
    events: new Map(),
    idempotency: new Map(),
  };
}

/** An error the handlers raise; rendered as Stripe's `{ error: {...} }` with its HTTP status. */
export class StripeFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: StripeErrorBody,
  ) {
    super(error.message);
  }
}

const invalid = (message: string, param?: string, code?: string): StripeFailure =>
  new StripeFailure(400, {
    type: 'invalid_request_error',
    message,
    ...(code && { code }),
    ...(param && { param }),
  });

const missing = (kind: string, id: string, param?: string): StripeFailure =>
  new StripeFailure(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${kind}: '${id}'`,
    ...(param && { param }),
  });

type CardBehaviour =
  | { kind: 'succeed'; then?: 'dispute' | 'reversal' }
  | { kind: 'authenticate' }
  | { kind: 'decline'; code: string; decline_code?: string; message: string };

const CARDS: Record<string, CardBehaviour> = {
  pm_card_chargeDeclined: {
    kind: 'decline',
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    kind: 'decline',
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  pm_card_chargeDeclinedExpiredCard: {
    kind: 'decline',
    code: 'expired_card',
    message: 'Your card has expired.',
  },
  pm_card_authenticationRequired: { kind: 'authenticate' },
  pm_card_disputed: { kind: 'succeed', then: 'dispute' },
  pm_card_createDispute: { kind: 'succeed', then: 'dispute' },
  pm_card_bankReversal: { kind: 'succeed', then: 'reversal' },
};

/** Stripe's standard card pricing: 2.9 % + 30 minor units. */
const cardFee = (amount: number): number => Math.round(amount * 0.029) + 30;
/** Stripe's dispute fee, 15.00 in the charge's currency. */
const DISPUTE_FEE = 1500;
const TWO_DAYS = 2 * 24 * 3600;

interface ReqInfo {
  requestId: string | null;
  idempotencyKey: string | null;
}
const NO_REQUEST: ReqInfo = { requestId: null, idempotencyKey: null };

export interface StripeModule {
  router: Router;
  state: StripeState;
  reset(): void;
  /** Opens a dispute on the intent's charge (reason `fraudulent` unless given). */
  openDispute(paymentIntentId: string, reason?: string): Dispute;
  /** The bank takes the money back: a dispute with reason `bank_cannot_process`, lost at once. */
  bankReversal(paymentIntentId: string): Dispute;
  /** Closes an open dispute as won (funds reinstated) or lost. */
  closeDispute(disputeId: string, status: 'won' | 'lost'): Dispute;
}

export function createStripe(ctx: SandboxContext): StripeModule {
  const state = emptyStripeState();
  const { settings, scheduler } = ctx;
  /** Manual-capture intents paid with a disputed or reversed test card: the chargeback waits for the capture. */
  const afterCapture = new Map<string, 'dispute' | 'reversal'>();

  // ---------- events and webhooks ----------

  function emit(type: string, object: unknown, req: ReqInfo): StripeEvent {
    const url = settings.webhookTargets.stripe;
    const event: StripeEvent = {
      id: stripeId('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: nowSec(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: url ? 1 : 0,
      request: { id: req.requestId, idempotency_key: req.idempotencyKey },
      type,
    };
    state.events.set(event.id, event);
    if (url) {
      ctx.webhooks.enqueue({
        provider: 'stripe',
        url,
        body: JSON.stringify(event, null, 2),
        contentType: 'application/json; charset=utf-8',
        headers: (body, now) => ({
          'Stripe-Signature': signStripe(body, settings.secrets.stripeWebhookSecret, Math.floor(now / 1000)),
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        }),
        refs: [event.id],
      });
    }
    return event;
  }

  // ---------- domain operations ----------

  function balanceTransaction(
    fields: Pick<
      BalanceTransaction,
      'amount' | 'currency' | 'fee' | 'type' | 'reporting_category' | 'source' | 'description'
    >,
  ): BalanceTransaction {
    const created = nowSec();
    const bt: BalanceTransaction = {
      id: stripeId('txn'),
      object: 'balance_transaction',
      ...fields,
      fee_details: fields.fee
        ? [
            {
              amount: fields.fee,
              currency: fields.currency,
              description: 'Stripe processing fees',
              type: 'stripe_fee',
            },
          ]
        : [],
      net: fields.amount - fields.fee,
      status: 'pending',
      available_on: created + TWO_DAYS,
      exchange_rate: null,
      created,
    };
    state.balanceTransactions.set(bt.id, bt);
    return bt;
  }

  function createCharge(
    pi: PaymentIntent,
    paymentMethod: string,
    failure?: { code: string; decline_code?: string; message: string },
  ): Charge {
    const ch: Charge = {
      id: stripeId('ch'),
      object: 'charge',
      amount: pi.amount,
      amount_captured: 0,
      amount_refunded: 0,
      captured: false,
      refunded: false,
      disputed: false,
      paid: !failure,
      status: failure ? 'failed' : 'succeeded',
      currency: pi.currency,
      payment_intent: pi.id,
      payment_method: paymentMethod,
      balance_transaction: null,
      failure_code: failure?.code ?? null,
      failure_message: failure?.message ?? null,
      outcome: failure
        ? {
            network_status: 'declined_by_network',
            reason: failure.decline_code ?? failure.code,
            risk_level: 'normal',
            seller_message: 'The bank did not return any further details with this decline.',
            type: 'issuer_declined',
          }
        : {
            network_status: 'approved_by_network',
            reason: null,
            risk_level: 'normal',
            seller_message: 'Payment complete.',
            type: 'authorized',
          },
      description: pi.description,
      metadata: { ...pi.metadata },
      created: nowSec(),
      livemode: false,
    };
    state.charges.set(ch.id, ch);
    pi.latest_charge = ch.id;
    return ch;
  }

  function captureCharge(ch: Charge, amount: number): void {
    ch.captured = true;
    ch.amount_captured = amount;
    const bt = balanceTransaction({
      amount,
      currency: ch.currency,
      fee: cardFee(amount),
      type: 'charge',
      reporting_category: 'charge',
      source: ch.id,
      description: ch.description,
    });
    ch.balance_transaction = bt.id;
  }

  function confirm(pi: PaymentIntent, p: Params, req: ReqInfo): PaymentIntent {
    if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(pi.status)) {
      throw invalid(
        `You cannot confirm this PaymentIntent because it has a status of ${pi.status}.`,
        undefined,
        'payment_intent_unexpected_state',
      );
    }
    const pm = str(p, 'payment_method') ?? pi.payment_method;
    if (!pm) {
      throw invalid(
        "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with a payment method, pass `payment_method`.",
        'payment_method',
        'payment_intent_unexpected_state',
      );
    }
    const behaviour = paymentMethodBehaviour(pm);
    const wasAwaitingAction = pi.status === 'requires_action' && pi.payment_method === pm;
    pi.payment_method = pm;
    pi.last_payment_error = null;

    if (behaviour.kind === 'authenticate' && !wasAwaitingAction) {
      pi.status = 'requires_action';
      pi.next_action = {
        type: 'use_stripe_sdk',
        use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: 'https://hooks.stripe.com/3d_secure' },
      };
      emit('payment_intent.requires_action', pi, req);
      return pi;
    }
    pi.next_action = null;

    if (behaviour.kind === 'decline') {
      const ch = createCharge(pi, pm, behaviour);
      const error: StripeErrorBody = {
        type: 'card_error',
        code: behaviour.code,
        ...(behaviour.decline_code && { decline_code: behaviour.decline_code }),
        message: behaviour.message,
        charge: ch.id,
        doc_url: `https://stripe.com/docs/error-codes/${behaviour.code.replace(/_/g, '-')}`,
      };
      pi.status = 'requires_payment_method';
      pi.payment_method = null;
      pi.last_payment_error = error;
      emit('charge.failed', ch, req);
      emit('payment_intent.payment_failed', pi, req);
      throw new StripeFailure(402, { ...error, payment_intent: structuredClone(pi) });
    }

    const ch = createCharge(pi, pm);
    if (pi.capture_method === 'manual') {
      pi.status = 'requires_capture';
      pi.amount_capturable = pi.amount;
      emit('charge.succeeded', ch, req);
      emit('payment_intent.amount_capturable_updated', pi, req);
    } else {
      captureCharge(ch, pi.amount);
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      emit('charge.succeeded', ch, req);
      emit('payment_intent.succeeded', pi, req);
    }
    if (behaviour.kind === 'succeed' && behaviour.then) {
      // A manual-capture payment can only be disputed once captured: the dispute follows the capture.
      if (pi.capture_method === 'manual') afterCapture.set(pi.id, behaviour.then);
      else scheduleChargeback(pi, behaviour.then);
    }
    return pi;
  }

  function scheduleChargeback(pi: PaymentIntent, then: 'dispute' | 'reversal'): void {
    scheduler.after(settings.timings.stripeDisputeAfterMs, () => {
      try {
        if (then === 'dispute') openDispute(pi.id);
        else bankReversal(pi.id);
      } catch (err) {
        settings.logger.warn('scheduled stripe dispute not opened', {
          paymentIntent: pi.id,
          error: (err as Error).message,
        });
      }
    });
  }

  function paymentMethodBehaviour(pm: string): CardBehaviour {
    const known = CARDS[pm];
    if (known) return known;
    if (pm.startsWith('pm_')) return { kind: 'succeed' };
    throw missing('PaymentMethod', pm, 'payment_method');
  }

  function capture(pi: PaymentIntent, p: Params, req: ReqInfo): PaymentIntent {
    if (pi.status !== 'requires_capture') {
      throw invalid(
        `This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
        undefined,
        'payment_intent_unexpected_state',
      );
    }
    const amount = int(p, 'amount_to_capture') ?? pi.amount_capturable;
    if (amount <= 0)
      throw invalid(
        'This value must be greater than or equal to 1.',
        'amount_to_capture',
        'parameter_invalid_integer',
      );
    if (amount > pi.amount_capturable) {
      throw invalid(
        `The amount to capture (${amount}) is greater than the amount capturable (${pi.amount_capturable}).`,
        'amount_to_capture',
        'amount_too_large',
      );
    }
    const ch = chargeOf(pi);
    captureCharge(ch, amount);
    Object.assign(pi.metadata, metadata(p));
    pi.status = 'succeeded';
    pi.amount_received = amount;
    pi.amount_capturable = 0;
    emit('charge.captured', ch, req);
    emit('payment_intent.succeeded', pi, req);
    const then = afterCapture.get(pi.id);
    if (then) {
      afterCapture.delete(pi.id);
      scheduleChargeback(pi, then);
    }
    return pi;
  }

  function cancel(pi: PaymentIntent, p: Params, req: ReqInfo): PaymentIntent {
    const cancellable: PaymentIntentStatus[] = [
      'requires_payment_method',
      'requires_capture',
      'requires_confirmation',
      'requires_action',
      'processing',
    ];
    if (!cancellable.includes(pi.status)) {
      throw invalid(
        `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${cancellable.join(', ')}.`,
        undefined,
        'payment_intent_unexpected_state',
      );
    }
    const reason = str(p, 'cancellation_reason') ?? null;
    const wasAuthorized = pi.status === 'requires_capture';
    afterCapture.delete(pi.id);
    pi.status = 'canceled';
    pi.canceled_at = nowSec();
    pi.cancellation_reason = reason;
    pi.amount_capturable = 0;
    pi.next_action = null;
    if (wasAuthorized) {
      const ch = chargeOf(pi);
      ch.amount_refunded = ch.amount;
      ch.refunded = true;
      emit('charge.refunded', ch, req);
    }
    emit('payment_intent.canceled', pi, req);
    return pi;
  }

  function refund(p: Params, req: ReqInfo): Refund {
    const piId = str(p, 'payment_intent');
    const chId = str(p, 'charge');
    if (!piId && !chId)
      throw invalid(
        'One of `charge` or `payment_intent` is required.',
        'payment_intent',
        'parameter_missing',
      );
    let ch: Charge;
    if (chId) {
      ch = state.charges.get(chId) ?? raise(missing('charge', chId, 'charge'));
    } else {
      const pi = state.paymentIntents.get(piId!) ?? raise(missing('payment_intent', piId!, 'payment_intent'));
      if (pi.status !== 'succeeded') {
        throw invalid(
          `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
          'payment_intent',
          'charge_not_captured',
        );
      }
      ch = chargeOf(pi);
    }
    if (ch.disputed)
      throw invalid(
        `Charge ${ch.id} has been charged back; cannot issue a refund.`,
        undefined,
        'charge_disputed',
      );
    const refundable = ch.amount_captured - ch.amount_refunded;
    if (refundable <= 0)
      throw invalid(`Charge ${ch.id} has already been refunded.`, undefined, 'charge_already_refunded');
    const amount = int(p, 'amount') ?? refundable;
    if (amount <= 0)
      throw invalid('This value must be greater than or equal to 1.', 'amount', 'parameter_invalid_integer');
    if (amount > refundable) {
      throw invalid(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${refundable})`,
        'amount',
        'amount_too_large',
      );
    }
    const re: Refund = {
      id: stripeId('re'),
      object: 'refund',
      amount,
      charge: ch.id,
      payment_intent: ch.payment_intent,
      currency: ch.currency,
      status: 'succeeded',
      reason: str(p, 'reason') ?? null,
      balance_transaction: null,
      metadata: metadata(p),
      created: nowSec(),
    };
    const bt = balanceTransaction({
      amount: -amount,
      currency: ch.currency,
      fee: 0,
      type: 'refund',
      reporting_category: 'refund',
      source: re.id,
      description: 'REFUND FOR CHARGE',
    });
    re.balance_transaction = bt.id;
    state.refunds.set(re.id, re);
    ch.amount_refunded += amount;
    ch.refunded = ch.amount_refunded >= ch.amount_captured;
    emit('refund.created', re, req);
    emit('charge.refunded', ch, req);
    return re;
  }

  function openDispute(paymentIntentId: string, reason = 'fraudulent', req: ReqInfo = NO_REQUEST): Dispute {
    const pi =
      state.paymentIntents.get(paymentIntentId) ??
      raise(missing('payment_intent', paymentIntentId, 'payment_intent'));
    const ch = pi.latest_charge ? state.charges.get(pi.latest_charge) : undefined;
    if (!ch || !ch.captured)
      throw invalid(`PaymentIntent ${pi.id} has no captured charge to dispute.`, 'payment_intent');
    if (ch.disputed) throw invalid(`Charge ${ch.id} is already disputed.`, 'payment_intent');
    const amount = ch.amount_captured - ch.amount_refunded;
    if (amount <= 0)
      throw invalid(`Charge ${ch.id} has been fully refunded; it cannot be disputed.`, 'payment_intent');
    const created = nowSec();
    const dp: Dispute = {
      id: stripeId('dp'),
      object: 'dispute',
      amount,
      currency: ch.currency,
      charge: ch.id,
      payment_intent: pi.id,
      reason,
      status: 'needs_response',
      balance_transactions: [],
      is_charge_refundable: false,
      evidence_details: {
        due_by: created + 7 * 24 * 3600,
        has_evidence: false,
        past_due: false,
        submission_count: 0,
      },
      metadata: {},
      created,
      livemode: false,
    };
    const bt = balanceTransaction({
      amount: -amount,
      currency: ch.currency,
      fee: DISPUTE_FEE,
      type: 'adjustment',
      reporting_category: 'dispute',
      source: dp.id,
      description: `Chargeback withdrawal for ${ch.id}`,
    });
    dp.balance_transactions.push(structuredClone(bt));
    state.disputes.set(dp.id, dp);
    ch.disputed = true;
    emit('charge.dispute.created', dp, req);
    emit('charge.dispute.funds_withdrawn', dp, req);
    return dp;
  }

  function bankReversal(paymentIntentId: string): Dispute {
    const dp = openDispute(paymentIntentId, 'bank_cannot_process');
    return closeDispute(dp.id, 'lost');
  }

  function closeDispute(disputeId: string, status: 'won' | 'lost'): Dispute {
    const dp = state.disputes.get(disputeId) ?? raise(missing('dispute', disputeId, 'dispute'));
    if (dp.status === 'won' || dp.status === 'lost')
      throw invalid(`Dispute ${dp.id} is already closed (${dp.status}).`, 'dispute');
    dp.status = status;
    dp.evidence_details.due_by = null;
    if (status === 'won') {
      const bt = balanceTransaction({
        amount: dp.amount,
        currency: dp.currency,
        fee: -DISPUTE_FEE,
        type: 'adjustment',
        reporting_category: 'dispute_reversal',
        source: dp.id,
        description: `Chargeback reversal for ${dp.charge}`,
      });
      dp.balance_transactions.push(structuredClone(bt));
      emit('charge.dispute.funds_reinstated', dp, NO_REQUEST);
    }
    emit('charge.dispute.closed', dp, NO_REQUEST);
    return dp;
  }

  function chargeOf(pi: PaymentIntent): Charge {
    const ch = pi.latest_charge ? state.charges.get(pi.latest_charge) : undefined;
    if (!ch)
      throw invalid(`PaymentIntent ${pi.id} has no charge.`, undefined, 'payment_intent_unexpected_state');
    return ch;
  }

  function getIntent(id: string): PaymentIntent {
    return state.paymentIntents.get(id) ?? raise(missing('payment_intent', id, 'intent'));
  }

  function lookup(id: string): object | undefined {
    const prefix = id.slice(0, id.indexOf('_'));
    const table: Record<string, Map<string, object>> = {
      pi: state.paymentIntents,
      ch: state.charges,
      re: state.refunds,
      dp: state.disputes,
      txn: state.balanceTransactions,
      evt: state.events,
    };
    return table[prefix]?.get(id);
  }

  // ---------- HTTP ----------

  const providerGate: ProviderGate = {
    provider: 'stripe',
    rateKey: () => ({ key: 'account', units: 1, limit: settings.limits.stripe }),
    serverError: (res, status) =>
      sendJson(res, status, {
        error: { type: 'api_error', message: 'An unknown error occurred while processing your request.' },
      }),
    rateLimited: (res, _d: RateDecision | undefined) =>
      sendJson(res, 429, {
        error: {
          type: 'invalid_request_error',
          code: 'rate_limit',
          message:
            'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
          doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
        },
      }),
  };

  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: '10mb' }));
  router.use(
    gate(providerGate, {
      stats: ctx.stats,
      faults: ctx.faults,
      logger: settings.logger,
      limiter: ctx.limiter,
    }),
  );
  router.use((req, res, next) => {
    const auth = req.headers.authorization ?? '';
    const key = auth.startsWith('Bearer ')
      ? auth.slice(7)
      : auth.startsWith('Basic ')
        ? Buffer.from(auth.slice(6), 'base64').toString().split(':')[0]
        : '';
    if (key !== settings.secrets.stripeApiKey) {
      settings.logger.warn('stripe request with an invalid API key', { path: req.path });
      const shown = key
        ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`
        : '';
      return sendJson(res, 401, {
        error: {
          type: 'invalid_request_error',
          message: key
            ? `Invalid API Key provided: ${shown}`
            : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        },
      });
    }
    next();
  });

  type Handler = (p: Params, req: Request, info: ReqInfo) => object;

  /** POST with Stripe's idempotency: same key + same parameters replays; different parameters fail. */
  const post = (path: string, allowed: readonly string[], handler: Handler): void => {
    router.post(path, (req, res) => {
      const params = qs.parse(rawBody(req.body), { depth: 10, arrayLimit: 1000 });
      const key = header(req, 'idempotency-key') ?? null;
      const info: ReqInfo = { requestId: `req_${alnum(14)}`, idempotencyKey: key };
      const fingerprint = createHash('sha256')
        .update(`${req.method} ${req.path} ${canonical(params)}`)
        .digest('hex');
      if (key) {
        const seen = state.idempotency.get(key);
        if (seen && seen.fingerprint !== fingerprint) {
          settings.logger.warn('stripe idempotency key reused with different parameters', { path: req.path });
          return sendJson(res, 400, {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
          });
        }
        if (seen) {
          res.setHeader('Idempotent-Replayed', 'true');
          res.setHeader('Original-Request', seen.requestId);
          return sendJson(res, seen.status, seen.body, seen.requestId);
        }
      }
      let status = 200;
      let body: unknown;
      try {
        unknownParams(params, allowed);
        body = expand(handler(params, req, info), params);
      } catch (err) {
        if (!(err instanceof StripeFailure)) throw err;
        status = err.status;
        body = { error: err.error };
      }
      if (key) state.idempotency.set(key, { fingerprint, status, body, requestId: info.requestId! });
      sendJson(res, status, body, info.requestId!);
    });
  };

  const get = (path: string, handler: (p: Params, req: Request) => object): void => {
    router.get(path, (req, res) => {
      const q = req.originalUrl.indexOf('?');
      const params = q < 0 ? {} : qs.parse(req.originalUrl.slice(q + 1), { depth: 10 });
      try {
        sendJson(res, 200, expand(handler(params, req), params));
      } catch (err) {
        if (!(err instanceof StripeFailure)) throw err;
        sendJson(res, err.status, { error: err.error });
      }
    });
  };

  const PI_CREATE = [
    'amount',
    'currency',
    'capture_method',
    'confirm',
    'payment_method',
    'payment_method_types',
    'metadata',
    'description',
    'customer',
    'receipt_email',
    'statement_descriptor',
    'statement_descriptor_suffix',
    'automatic_payment_methods',
    'transfer_group',
    'setup_future_usage',
    'off_session',
    'error_on_requires_action',
    'return_url',
    'payment_method_options',
    'confirmation_method',
    'shipping',
    'expand',
  ] as const;

  post('/payment_intents', PI_CREATE, (p, _req, info) => {
    const amount =
      int(p, 'amount') ?? raise(invalid('Missing required param: amount.', 'amount', 'parameter_missing'));
    if (amount < 1)
      throw invalid('This value must be greater than or equal to 1.', 'amount', 'parameter_invalid_integer');
    const currency = (
      str(p, 'currency') ??
      raise(invalid('Missing required param: currency.', 'currency', 'parameter_missing'))
    ).toLowerCase();
    if (!/^[a-z]{3}$/.test(currency))
      throw invalid(`Invalid currency: ${currency}.`, 'currency', 'parameter_invalid_string');
    const captureMethod = str(p, 'capture_method') ?? 'automatic';
    if (!['automatic', 'automatic_async', 'manual'].includes(captureMethod)) {
      throw invalid(
        `Invalid capture_method: must be one of automatic, automatic_async, or manual`,
        'capture_method',
      );
    }
    const pm = str(p, 'payment_method') ?? null;
    if (pm) paymentMethodBehaviour(pm);
    const id = stripeId('pi');
    const pi: PaymentIntent = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      currency,
      capture_method: captureMethod as PaymentIntent['capture_method'],
      confirmation_method: str(p, 'confirmation_method') === 'manual' ? 'manual' : 'automatic',
      status: pm ? 'requires_confirmation' : 'requires_payment_method',
      payment_method: pm,
      payment_method_types: strList(p, 'payment_method_types') ?? ['card'],
      latest_charge: null,
      last_payment_error: null,
      next_action: null,
      cancellation_reason: null,
      canceled_at: null,
      client_secret: `${id}_secret_${alnum(25)}`,
      customer: str(p, 'customer') ?? null,
      description: str(p, 'description') ?? null,
      receipt_email: str(p, 'receipt_email') ?? null,
      metadata: metadata(p),
      created: nowSec(),
      livemode: false,
    };
    state.paymentIntents.set(pi.id, pi);
    emit('payment_intent.created', pi, info);
    if (bool(p, 'confirm')) confirm(pi, p, info);
    return pi;
  });

  post(
    '/payment_intents/:id/confirm',
    [
      'payment_method',
      'return_url',
      'off_session',
      'error_on_requires_action',
      'receipt_email',
      'payment_method_options',
      'expand',
    ],
    (p, req, info) => confirm(getIntent(param(req, 'id')), p, info),
  );
  post(
    '/payment_intents/:id/capture',
    ['amount_to_capture', 'metadata', 'statement_descriptor', 'final_capture', 'expand'],
    (p, req, info) => capture(getIntent(param(req, 'id')), p, info),
  );
  post('/payment_intents/:id/cancel', ['cancellation_reason', 'expand'], (p, req, info) =>
    cancel(getIntent(param(req, 'id')), p, info),
  );
  post(
    '/payment_intents/:id',
    ['metadata', 'description', 'receipt_email', 'amount', 'payment_method', 'expand'],
    (p, req, info) => {
      const pi = getIntent(param(req, 'id'));
      if (p.amount !== undefined) {
        if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(pi.status)) {
          throw invalid(
            `This PaymentIntent's amount could not be updated because it has a status of ${pi.status}.`,
            'amount',
            'payment_intent_unexpected_state',
          );
        }
        pi.amount = int(p, 'amount')!;
      }
      const pm = str(p, 'payment_method');
      if (pm) {
        paymentMethodBehaviour(pm);
        pi.payment_method = pm;
        if (pi.status === 'requires_payment_method') pi.status = 'requires_confirmation';
      }
      Object.assign(pi.metadata, metadata(p));
      if (p.description !== undefined) pi.description = str(p, 'description') ?? null;
      emit('payment_intent.updated', pi, info);
      return pi;
    },
  );
  get('/payment_intents/:id', (_p, req) => getIntent(param(req, 'id')));
  get('/payment_intents', (p) => {
    const customer = str(p, 'customer');
    return list(
      state.paymentIntents,
      p,
      '/v1/payment_intents',
      (pi) => !customer || pi.customer === customer,
    );
  });

  post('/refunds', ['payment_intent', 'charge', 'amount', 'reason', 'metadata', 'expand'], (p, _req, info) =>
    refund(p, info),
  );
  get(
    '/refunds/:id',
    (_p, req) => state.refunds.get(param(req, 'id')) ?? raise(missing('refund', param(req, 'id'), 'id')),
  );
  get('/refunds', (p) => {
    const pi = str(p, 'payment_intent');
    const ch = str(p, 'charge');
    return list(
      state.refunds,
      p,
      '/v1/refunds',
      (r) => (!pi || r.payment_intent === pi) && (!ch || r.charge === ch),
    );
  });

  get(
    '/charges/:id',
    (_p, req) => state.charges.get(param(req, 'id')) ?? raise(missing('charge', param(req, 'id'), 'id')),
  );
  get('/charges', (p) => {
    const pi = str(p, 'payment_intent');
    return list(state.charges, p, '/v1/charges', (c) => !pi || c.payment_intent === pi);
  });

  get(
    '/disputes/:id',
    (_p, req) =>
      state.disputes.get(param(req, 'id')) ?? raise(missing('dispute', param(req, 'id'), 'dispute')),
  );
  get('/disputes', (p) => {
    const pi = str(p, 'payment_intent');
    const ch = str(p, 'charge');
    return list(
      state.disputes,
      p,
      '/v1/disputes',
      (d) => (!pi || d.payment_intent === pi) && (!ch || d.charge === ch),
    );
  });

  get(
    '/balance_transactions/:id',
    (_p, req) =>
      state.balanceTransactions.get(param(req, 'id')) ??
      raise(missing('balance transaction', param(req, 'id'), 'id')),
  );
  get('/balance_transactions', (p) => {
    const type = str(p, 'type');
    const source = str(p, 'source');
    // Payouts are not modelled: no balance transaction belongs to one yet.
    const payout = str(p, 'payout');
    return list(
      state.balanceTransactions,
      p,
      '/v1/balance_transactions',
      (t) => !payout && (!type || t.type === type) && (!source || t.source === source),
    );
  });

  get(
    '/events/:id',
    (_p, req) => state.events.get(param(req, 'id')) ?? raise(missing('event', param(req, 'id'), 'id')),
  );
  get('/events', (p) => {
    const type = str(p, 'type');
    const types = strList(p, 'types');
    const matchType = (t: string): boolean => {
      if (types) return types.includes(t);
      if (!type) return true;
      return type.endsWith('*') ? t.startsWith(type.slice(0, -1)) : t === type;
    };
    return list(state.events, p, '/v1/events', (e) => matchType(e.type));
  });

  router.use((req: Request, res: Response) => {
    sendJson(res, 404, {
      error: {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${req.method}: /v1${req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      },
    });
  });

  function expand(obj: object, p: Params): object {
    const paths = strList(p, 'expand');
    if (!paths?.length) return obj;
    const copy = structuredClone(obj) as Record<string, unknown>;
    for (const path of paths) expandPath(copy, path.split('.'));
    return copy;
  }

  function expandPath(target: Record<string, unknown>, parts: string[]): void {
    const [head, ...rest] = parts;
    if (!head) return;
    if (head === 'data' && Array.isArray(target.data)) {
      for (const item of target.data as Array<Record<string, unknown>>) expandPath(item, rest);
      return;
    }
    let value = target[head];
    if (typeof value === 'string') {
      const found = lookup(value);
      if (found) {
        value = structuredClone(found);
        target[head] = value;
      }
    }
    if (rest.length && value && typeof value === 'object') expandPath(value as Record<string, unknown>, rest);
  }

  return {
    router,
    state,
    reset() {
      afterCapture.clear();
      const fresh = emptyStripeState();
      for (const k of Object.keys(fresh) as Array<keyof StripeState>) state[k].clear();
    },
    openDispute: (pi, reason) => openDispute(pi, reason),
    bankReversal,
    closeDispute,
  };
}

// ---------- parameter helpers ----------

function raise(err: Error): never {
  throw err;
}

function sendJson(res: Response, status: number, body: unknown, requestId = `req_${alnum(14)}`): void {
  res.setHeader('Request-Id', requestId);
  res.setHeader('Stripe-Version', Stripe.API_VERSION);
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify(body, null, 2));
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function param(req: Request, name: string): string {
  const v = req.params[name];
  return typeof v === 'string' ? v : '';
}

function str(p: Params, name: string): string | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string')
    throw invalid(`Invalid string: ${JSON.stringify(v)}`, name, 'parameter_invalid_string');
  return v === '' ? undefined : v;
}

function int(p: Params, name: string): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw invalid(`Invalid integer: ${v}`, name, 'parameter_invalid_integer');
  return Number(v);
}

function bool(p: Params, name: string): boolean {
  const v = str(p, name);
  if (v === undefined) return false;
  if (v !== 'true' && v !== 'false')
    throw invalid(`Invalid boolean: ${v}`, name, 'parameter_invalid_boolean');
  return v === 'true';
}

function strList(p: Params, name: string): string[] | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  const arr = Array.isArray(v) ? v : typeof v === 'object' ? Object.values(v) : [v];
  return arr.filter((x): x is string => typeof x === 'string');
}

function metadata(p: Params): Metadata {
  const v = p.metadata;
  if (v === undefined || v === '') return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw invalid('Invalid object', 'metadata', 'parameter_invalid_string');
  const out: Metadata = {};
  const entries = Object.entries(v);
  if (entries.length > 50) throw invalid('Metadata can have at most 50 keys.', 'metadata');
  for (const [k, val] of entries) {
    if (typeof val !== 'string') throw invalid(`Invalid value for metadata[${k}]`, `metadata[${k}]`);
    if (val.length > 500) throw invalid('Metadata values can have up to 500 characters', `metadata[${k}]`);
    out[k] = val;
  }
  return out;
}

function unknownParams(p: Params, allowed: readonly string[]): void {
  for (const k of Object.keys(p)) {
    if (!allowed.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
  }
}

/** Parameters in a stable form, so a replay with keys in another order still matches. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function createdFilter(p: Params): (created: number) => boolean {
  const c = p.created;
  if (c === undefined) return () => true;
  if (typeof c === 'string') {
    const n = Number(c);
    return (x) => x === n;
  }
  if (typeof c !== 'object' || Array.isArray(c)) throw invalid('Invalid created filter', 'created');
  const bound = (k: string): number | undefined => {
    const v = (c as Record<string, unknown>)[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !/^\d+$/.test(v))
      throw invalid(`Invalid integer: ${String(v)}`, `created[${k}]`, 'parameter_invalid_integer');
    return Number(v);
  };
  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  return (x) =>
    (gt === undefined || x > gt) &&
    (gte === undefined || x >= gte) &&
    (lt === undefined || x < lt) &&
    (lte === undefined || x <= lte);
}

/** Stripe's list: newest first, `limit` (1–100, default 10), cursors `starting_after` / `ending_before`. */
function list<T extends { id: string; created: number }>(
  all: Map<string, T>,
  p: Params,
  url: string,
  filter: (t: T) => boolean,
): { object: 'list'; data: T[]; has_more: boolean; url: string } {
  const limit = int(p, 'limit') ?? 10;
  if (limit < 1 || limit > 100)
    throw invalid('This value must be between 1 and 100 (inclusive).', 'limit', 'parameter_invalid_integer');
  const inRange = createdFilter(p);
  const items = [...all.values()].reverse().filter((t) => filter(t) && inRange(t.created));
  const after = str(p, 'starting_after');
  const before = str(p, 'ending_before');
  let page: T[];
  let hasMore: boolean;
  if (after) {
    const i = items.findIndex((t) => t.id === after);
    if (i < 0 && !all.has(after)) throw missing('object', after, 'starting_after');
    const rest = i < 0 ? [] : items.slice(i + 1);
    page = rest.slice(0, limit);
    hasMore = rest.length > limit;
  } else if (before) {
    const i = items.findIndex((t) => t.id === before);
    if (i < 0 && !all.has(before)) throw missing('object', before, 'ending_before');
    const head = i < 0 ? [] : items.slice(0, i);
    page = head.slice(Math.max(0, head.length - limit));
    hasMore = head.length > limit;
  } else {
    page = items.slice(0, limit);
    hasMore = items.length > limit;
  }
  return { object: 'list', data: page, has_more: hasMore, url };
}

/**
 * The provider sandbox's control API (`/__sandbox/…`): the provider side of the match day. It
 * injects webhook faults, opens disputes and bank reversals as a card network would, and exposes
 * the provider's own records, which the invariant checker treats as the truth about money.
 */

export interface SandboxIntent {
  id: string;
  amount: number;
  amount_received: number;
  currency: string;
  status: string;
  capture_method: string;
  latest_charge: string | null;
  metadata: Record<string, string>;
  created: number;
}

export interface SandboxCharge {
  id: string;
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  disputed: boolean;
  currency: string;
  payment_intent: string;
  status: string;
}

export interface SandboxRefund {
  id: string;
  amount: number;
  charge: string;
  payment_intent: string;
  currency: string;
  status: string;
}

export interface SandboxDispute {
  id: string;
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string;
  reason: string;
  status: string;
}

export interface SandboxBalanceTransaction {
  id: string;
  amount: number;
  currency: string;
  type: string;
  reporting_category: string;
  source: string;
  created: number;
}

export interface SandboxEmail {
  messageId: string;
  receivedAt: number;
  request: {
    subject?: string;
    personalizations?: Array<{ to?: Array<{ email?: string }>; subject?: string; custom_args?: Record<string, string> }>;
    custom_args?: Record<string, string>;
    content?: Array<{ type?: string; value?: string }>;
    template_id?: string;
  };
}

export interface SandboxSms {
  resource: { sid: string; to: string; body: string; date_created: string; status: string };
  history: Array<{ status: string; at: number }>;
}

export interface SandboxPush {
  name: string;
  message: Record<string, unknown>;
  at: number;
}

export interface SandboxDelivery {
  id: string;
  provider: 'stripe' | 'twilio' | 'sendgrid';
  /** What the payload is about: Stripe event ids, `MessageSid:status`, SendGrid `sg_event_id`s. */
  refs: string[];
  duplicate: boolean;
  status: 'pending' | 'delivered' | 'failed';
  attempts: Array<{ at: number; outcome: string; status?: number; error?: string }>;
  createdAt: number;
}

export interface SandboxState {
  stripe: {
    paymentIntents: SandboxIntent[];
    charges: SandboxCharge[];
    refunds: SandboxRefund[];
    disputes: SandboxDispute[];
    balanceTransactions: SandboxBalanceTransaction[];
    events: Array<{ id: string; type: string; created: number }>;
  };
  twilio: { messages: SandboxSms[] };
  sendgrid: { messages: SandboxEmail[] };
  fcm: { messages: SandboxPush[] };
  webhooks: { deliveries: SandboxDelivery[] };
}

export interface WebhookFaults {
  duplicateRate?: number;
  reorder?: boolean;
  delayMs?: number;
  dropRate?: number;
}

export class SandboxControl {
  constructor(readonly url: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/__sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  state(): Promise<SandboxState> {
    return this.call<SandboxState>('GET', '/state');
  }

  /** The provider sends its webhooks late, twice and out of order. */
  webhookFaults(provider: 'stripe' | 'twilio' | 'sendgrid', faults: WebhookFaults): Promise<unknown> {
    return this.call('POST', '/faults', { provider, webhooks: faults });
  }

  clearFaults(): Promise<unknown> {
    return this.call('DELETE', '/faults');
  }

  openDispute(paymentIntent: string, reason = 'fraudulent'): Promise<SandboxDispute> {
    return this.call('POST', '/stripe/disputes', { payment_intent: paymentIntent, reason });
  }

  closeDispute(disputeId: string, status: 'won' | 'lost'): Promise<SandboxDispute> {
    return this.call('POST', `/stripe/disputes/${encodeURIComponent(disputeId)}/close`, { status });
  }

  bankReversal(paymentIntent: string): Promise<SandboxDispute> {
    return this.call('POST', '/stripe/reversals', { payment_intent: paymentIntent });
  }

  /** Attempts every pending webhook delivery now. */
  flush(): Promise<{ attempted: number; delivered: number; pending: number; failed: number }> {
    return this.call('POST', '/webhooks/flush');
  }
}

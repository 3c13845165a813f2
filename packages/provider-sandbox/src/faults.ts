import { z } from 'zod';
import { hex } from './ids';
import { PROVIDERS, WEBHOOK_PROVIDERS, type Provider, type WebhookProvider } from './types';

const rate = z.number().min(0).max(1);

/** Body of `POST /__sandbox/faults` for API faults. */
export const apiFaultInput = z.strictObject({
  provider: z.enum(PROVIDERS),
  /** Path prefix (`/v1/refunds`), or a regular expression when it starts with `^`. */
  endpoint: z.string().min(1).optional(),
  method: z.string().optional(),
  /** Added before the request is handled (or failed). */
  latencyMs: z.number().int().min(0).optional(),
  /** Share of requests answered with `status` (default 500). */
  errorRate: rate.optional(),
  status: z.number().int().min(400).max(599).optional(),
  /** Share of requests answered with the provider's own 429. */
  rate429: rate.optional(),
  /** Share of requests that never get an answer (the client's timeout fires). */
  timeoutRate: rate.optional(),
  /** Apply to the next N matching requests only, then the rule disappears. */
  count: z.number().int().min(1).optional(),
});
export type ApiFaultInput = z.infer<typeof apiFaultInput>;

/** Body of `POST /__sandbox/faults` for webhook faults. */
export const webhookFaultInput = z.strictObject({
  provider: z.enum(WEBHOOK_PROVIDERS),
  webhooks: z.strictObject({
    /** Share of deliveries that are sent twice (two deliveries of the same payload). */
    duplicateRate: rate.optional(),
    /** Hold deliveries for a short window (`delayMs`, default 100 ms) and send them newest first. */
    reorder: z.boolean().optional(),
    /** Delay before the first attempt of every delivery. */
    delayMs: z.number().int().min(0).optional(),
    /** Share of first attempts that are lost; like the real providers, the delivery is retried later. */
    dropRate: rate.optional(),
  }),
});
export type WebhookFaults = z.infer<typeof webhookFaultInput>['webhooks'];

export interface ApiFaultRule extends ApiFaultInput {
  id: string;
  /** Requests the rule matched so far. */
  matched: number;
}

export type FaultAction =
  { kind: 'none' } | { kind: 'error'; status: number } | { kind: 'rate429' } | { kind: 'timeout' };

export interface FaultDecision {
  latencyMs: number;
  action: FaultAction;
  ruleIds: string[];
}

const NO_FAULT: FaultDecision = Object.freeze({
  latencyMs: 0,
  action: Object.freeze({ kind: 'none' }),
  ruleIds: Object.freeze([]) as unknown as string[],
});

export class FaultRegistry {
  readonly api: ApiFaultRule[] = [];
  readonly webhooks: Partial<Record<WebhookProvider, WebhookFaults>> = {};

  constructor(private readonly random: () => number = Math.random) {}

  addApi(input: ApiFaultInput): ApiFaultRule {
    const rule: ApiFaultRule = { ...input, id: `fault_${hex(6)}`, matched: 0 };
    this.api.push(rule);
    return rule;
  }

  setWebhooks(provider: WebhookProvider, faults: WebhookFaults): void {
    this.webhooks[provider] = { ...this.webhooks[provider], ...faults };
  }

  clear(provider?: Provider): void {
    for (let i = this.api.length - 1; i >= 0; i--) {
      if (!provider || this.api[i]!.provider === provider) this.api.splice(i, 1);
    }
    for (const p of WEBHOOK_PROVIDERS) if (!provider || p === provider) delete this.webhooks[p];
  }

  /** Decides what happens to one API request; rules with a `count` are used up by it. */
  decide(provider: Provider, method: string, path: string): FaultDecision {
    if (this.api.length === 0) return NO_FAULT;
    const decision: FaultDecision = { latencyMs: 0, action: { kind: 'none' }, ruleIds: [] };
    for (const rule of [...this.api]) {
      if (rule.provider !== provider || !matches(rule, method, path)) continue;
      rule.matched++;
      decision.ruleIds.push(rule.id);
      decision.latencyMs = Math.max(decision.latencyMs, rule.latencyMs ?? 0);
      if (decision.action.kind === 'none') decision.action = this.roll(rule);
      if (rule.count !== undefined && --rule.count <= 0) this.api.splice(this.api.indexOf(rule), 1);
    }
    return decision;
  }

  private roll(rule: ApiFaultRule): FaultAction {
    const impliedError =
      rule.status !== undefined &&
      rule.errorRate === undefined &&
      rule.rate429 === undefined &&
      rule.timeoutRate === undefined;
    if (rule.timeoutRate !== undefined && this.random() < rule.timeoutRate) return { kind: 'timeout' };
    const errorRate = impliedError ? 1 : (rule.errorRate ?? 0);
    if (errorRate > 0 && this.random() < errorRate) {
      return rule.status === 429 ? { kind: 'rate429' } : { kind: 'error', status: rule.status ?? 500 };
    }
    if (rule.rate429 !== undefined && this.random() < rule.rate429) return { kind: 'rate429' };
    return { kind: 'none' };
  }

  chance(p: number | undefined): boolean {
    return p !== undefined && p > 0 && this.random() < p;
  }
}

function matches(rule: ApiFaultRule, method: string, path: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (!rule.endpoint) return true;
  return rule.endpoint.startsWith('^')
    ? new RegExp(rule.endpoint).test(path)
    : path.startsWith(rule.endpoint);
}

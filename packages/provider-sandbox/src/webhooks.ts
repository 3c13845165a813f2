import { hex } from './ids';
import type { FaultRegistry } from './faults';
import type { Scheduler } from './scheduler';
import type { SandboxLogger, WebhookProvider, WebhookRetryPolicy } from './types';

/** A webhook the sandbox wants the platform to receive. */
export interface OutgoingWebhook {
  provider: WebhookProvider;
  url: string;
  body: string;
  contentType: string;
  /** Signing happens per attempt, as the providers do (Stripe and SendGrid sign the attempt's time). */
  headers: (body: string, nowMs: number) => Record<string, string>;
  /** What the payload is about (event ids, `MessageSid:status`, `sg_event_id`s), for tests and the state dump. */
  refs: string[];
}

export type AttemptOutcome = 'delivered' | 'http_error' | 'timeout' | 'network_error' | 'dropped';

export interface DeliveryAttempt {
  at: number;
  outcome: AttemptOutcome;
  status?: number;
  durationMs: number;
  error?: string;
}

export interface DeliveryRecord {
  id: string;
  provider: WebhookProvider;
  url: string;
  refs: string[];
  body: string;
  /** True for the second copy a `duplicateRate` fault created. */
  duplicate: boolean;
  status: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
  createdAt: number;
  nextAttemptAt?: number;
}

export interface FlushSummary {
  attempted: number;
  delivered: number;
  pending: number;
  failed: number;
}

interface Pending {
  record: DeliveryRecord;
  webhook: OutgoingWebhook;
  timer?: NodeJS.Timeout;
  inFlight?: Promise<void>;
  /** The next attempt is a lost first attempt (`dropRate`). */
  dropNext: boolean;
}

/**
 * At-least-once webhook delivery with exponential backoff, like the providers: any non-2xx answer,
 * timeout or connection error is retried until `maxAttempts`. Webhook faults (duplicates, drops,
 * delays, reordering) are applied here.
 */
export class WebhookDispatcher {
  readonly deliveries: DeliveryRecord[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly reorderBuffers = new Map<WebhookProvider, { items: Pending[]; timer: NodeJS.Timeout }>();
  private readonly beforeFlush: Array<() => void> = [];
  private closing = new AbortController();

  constructor(
    private readonly deps: {
      retry: WebhookRetryPolicy;
      scheduler: Scheduler;
      faults: FaultRegistry;
      logger: SandboxLogger;
    },
  ) {}

  /** Providers that batch (SendGrid) register their flush here so `flush()` drains them first. */
  onBeforeFlush(fn: () => void): void {
    this.beforeFlush.push(fn);
  }

  enqueue(webhook: OutgoingWebhook): void {
    const faults = this.deps.faults.webhooks[webhook.provider] ?? {};
    const copies = this.deps.faults.chance(faults.duplicateRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const record: DeliveryRecord = {
        id: `whd_${hex(8)}`,
        provider: webhook.provider,
        url: webhook.url,
        refs: webhook.refs,
        body: webhook.body,
        duplicate: i > 0,
        status: 'pending',
        attempts: [],
        createdAt: Date.now(),
      };
      this.deliveries.push(record);
      const p: Pending = { record, webhook, dropNext: this.deps.faults.chance(faults.dropRate) };
      this.pending.set(record.id, p);
      if (faults.reorder) this.buffer(p, faults.delayMs ?? 100);
      else this.schedule(p, faults.delayMs ?? 0);
    }
  }

  /** Attempts every pending delivery now (batches and reorder buffers first) and waits for the answers. */
  async flush(): Promise<FlushSummary> {
    for (const fn of this.beforeFlush) fn();
    for (const provider of [...this.reorderBuffers.keys()]) await this.release(provider);
    const targets = [...this.pending.values()];
    await Promise.all(
      targets.map((p) => {
        if (p.inFlight) return p.inFlight;
        this.deps.scheduler.cancel(p.timer);
        return this.attempt(p);
      }),
    );
    return {
      attempted: targets.length,
      delivered: targets.filter((p) => p.record.status === 'delivered').length,
      pending: this.pending.size,
      failed: targets.filter((p) => p.record.status === 'failed').length,
    };
  }

  /** Drops everything pending and aborts attempts in flight (on reset and on close). */
  reset(): void {
    this.closing.abort();
    this.closing = new AbortController();
    for (const b of this.reorderBuffers.values()) this.deps.scheduler.cancel(b.timer);
    this.reorderBuffers.clear();
    for (const p of this.pending.values()) this.deps.scheduler.cancel(p.timer);
    this.pending.clear();
    this.deliveries.length = 0;
  }

  private schedule(p: Pending, delayMs: number): void {
    p.record.nextAttemptAt = Date.now() + delayMs;
    p.timer = this.deps.scheduler.after(delayMs, () => {
      p.timer = undefined;
      void this.attempt(p);
    });
  }

  private buffer(p: Pending, windowMs: number): void {
    let b = this.reorderBuffers.get(p.record.provider);
    if (!b) {
      const provider = p.record.provider;
      b = { items: [], timer: this.deps.scheduler.after(windowMs, () => void this.release(provider)) };
      this.reorderBuffers.set(provider, b);
    }
    b.items.push(p);
  }

  /** Sends a reorder buffer newest first, one after the other so the receiver sees that order. */
  private async release(provider: WebhookProvider): Promise<void> {
    const b = this.reorderBuffers.get(provider);
    if (!b) return;
    this.reorderBuffers.delete(provider);
    this.deps.scheduler.cancel(b.timer);
    for (const p of b.items.reverse()) await this.attempt(p);
  }

  private attempt(p: Pending): Promise<void> {
    if (p.inFlight) return p.inFlight;
    if (!this.pending.has(p.record.id)) return Promise.resolve();
    p.inFlight = this.send(p).finally(() => {
      p.inFlight = undefined;
    });
    return p.inFlight;
  }

  private async send(p: Pending): Promise<void> {
    const { record, webhook } = p;
    const { retry, logger } = this.deps;
    const started = Date.now();
    let attempt: DeliveryAttempt;
    if (p.dropNext) {
      p.dropNext = false;
      attempt = { at: started, outcome: 'dropped', durationMs: 0 };
    } else {
      try {
        const res = await fetch(webhook.url, {
          method: 'POST',
          headers: { 'content-type': webhook.contentType, ...webhook.headers(webhook.body, started) },
          body: webhook.body,
          signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(retry.timeoutMs)]),
        });
        await res.arrayBuffer().catch(() => undefined);
        attempt = {
          at: started,
          outcome: res.ok ? 'delivered' : 'http_error',
          status: res.status,
          durationMs: Date.now() - started,
        };
      } catch (err) {
        // Duck-typed: abort reasons are DOMExceptions, which need not be `instanceof Error` across realms.
        const e = err as { name?: string; message?: string; cause?: { message?: string } };
        attempt = {
          at: started,
          outcome: e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timeout' : 'network_error',
          durationMs: Date.now() - started,
          error: e.cause?.message ?? e.message ?? String(err),
        };
      }
    }
    if (!this.pending.has(record.id)) return; // reset or closed meanwhile
    record.attempts.push(attempt);
    if (attempt.outcome === 'delivered') {
      record.status = 'delivered';
      record.nextAttemptAt = undefined;
      this.pending.delete(record.id);
      return;
    }
    const n = record.attempts.length;
    if (n >= retry.maxAttempts) {
      record.status = 'failed';
      record.nextAttemptAt = undefined;
      this.pending.delete(record.id);
      logger.error('webhook delivery gave up', {
        provider: record.provider,
        delivery: record.id,
        url: record.url,
        attempts: n,
      });
      return;
    }
    const delay = Math.min(retry.initialDelayMs * 2 ** (n - 1), retry.maxDelayMs);
    logger.warn('webhook delivery attempt failed, retrying', {
      provider: record.provider,
      delivery: record.id,
      outcome: attempt.outcome,
      status: attempt.status,
      retryInMs: delay,
    });
    this.schedule(p, delay);
  }
}

import { backoffDelay } from '@matchday/resilience';
import { gauge, withTraceContext } from '@matchday/observability';
import { GatewayError, isUnavailable } from '../adapters/stripe-gateway';
import { jobsRepository, type Job, type JobKind } from '../db/jobs.repository';
import type { AppDeps } from './deps';
import { withPaymentLedger } from './ledger';
import { deferrals, jobOutcomes } from './metrics';

export type JobExecutor = (job: Job) => Promise<void>;

export interface WorkQueueOptions {
  pollMs: number;
  concurrency: number;
  /** A claimed job not finished after this long is claimed again (its runner died). */
  leaseMs: number;
}

/** Finished jobs are kept this long (support reads them in the money picture), pruned this often. */
const KEEP_DONE_JOBS_DAYS = 14;
const PRUNE_EVERY_MS = 15 * 60_000;

/** Unexpected errors (not the provider being unavailable) are retried this often before a job is given up. */
const MAX_UNEXPECTED_ATTEMPTS = 20;

/** Kinds that move a payer's money forward: their deferral is reported as payment.deferred. */
const PAYMENT_STEPS: ReadonlySet<JobKind> = new Set(['create_intent', 'confirm', 'capture']);

/**
 * The provider work queue: every Stripe call is a job in Postgres, claimed with SKIP LOCKED (one at
 * a time per payment, in order), executed outside any transaction, and finished in the transaction
 * that applies its result. When Stripe is unavailable (breaker open, timeout, 5xx, 429) the job is
 * deferred with jittered backoff and the payment reports payment.deferred once; it is never dropped
 * and, thanks to the idempotency keys and the re-read before a retry, never applied twice.
 */
export class PaymentWorkQueue {
  private running = false;
  private loop: Promise<void> | undefined;
  private inFlight = new Set<Promise<void>>();
  private wake: (() => void) | undefined;

  constructor(
    private readonly deps: AppDeps,
    private readonly executors: Record<JobKind, JobExecutor>,
    private readonly opts: WorkQueueOptions,
  ) {
    gauge({
      name: 'payment_jobs_backlog',
      help: 'Provider work items not finished yet',
      collect: async function collect(this: { set(v: number): void }) {
        this.set((await jobsRepository.backlog(deps.db).catch(() => ({ pending: 0 }))).pending);
      },
    });
    gauge({
      name: 'payment_jobs_oldest_age_seconds',
      help: 'Age of the oldest unfinished provider work item (a stuck payment shows here first)',
      collect: async function collect(this: { set(v: number): void }) {
        this.set((await jobsRepository.backlog(deps.db).catch(() => ({ oldestSeconds: 0 }))).oldestSeconds);
      },
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming and waits for the jobs in flight (their results are applied). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Asks for a claim round now (after new work was committed). */
  poke(): void {
    this.wake?.();
  }

  /**
   * Runs one job now (a payer waiting on POST /confirm), unless another runner has it; resolves when
   * it finished or was deferred, or after `timeoutMs`.
   */
  async runNow(jobId: string, timeoutMs = 10_000): Promise<void> {
    const [job] = await jobsRepository.claim(this.deps.db, { limit: 1, leaseMs: this.opts.leaseMs, only: jobId });
    if (job) return this.execute(job);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const j = await jobsRepository.get(this.deps.db, jobId);
      if (!j || j.status === 'done' || j.status === 'failed' || (j.status === 'pending' && j.attempts > 0)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async run(): Promise<void> {
    let nextPrune = Date.now() + PRUNE_EVERY_MS;
    while (this.running) {
      if (Date.now() >= nextPrune) {
        nextPrune = Date.now() + PRUNE_EVERY_MS;
        await jobsRepository.prune(this.deps.db, KEEP_DONE_JOBS_DAYS).catch((err: unknown) => this.deps.logger.warn('finished payment jobs not pruned', { err }));
      }
      const free = this.opts.concurrency - this.inFlight.size;
      let claimed: Job[] = [];
      if (free > 0) {
        try {
          claimed = await jobsRepository.claim(this.deps.db, { limit: free, leaseMs: this.opts.leaseMs });
        } catch (err) {
          this.deps.logger.error('payment work queue could not claim jobs', { err });
        }
      }
      for (const job of claimed) {
        const p = this.execute(job).finally(() => {
          this.inFlight.delete(p);
          this.wake?.();
        });
        this.inFlight.add(p);
      }
      if (claimed.length === 0 || this.inFlight.size >= this.opts.concurrency) await this.sleep(this.opts.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async execute(job: Job): Promise<void> {
    const executor = this.executors[job.kind];
    try {
      // The provider call continues the trace of the work that queued it (the consumed event, the request).
      await withTraceContext(job.traceContext, () => executor(job));
      jobOutcomes.inc({ kind: job.kind, outcome: 'done' });
    } catch (err) {
      const delay = backoffDelay(job.attempts, this.deps.settings.retryBaseMs, this.deps.settings.retryMaxMs) + this.deps.settings.retryBaseMs / 2;
      const runAt = new Date(this.deps.clock().getTime() + delay);
      try {
        if (isUnavailable(err)) await this.defer(job, err, runAt);
        else if (job.attempts >= MAX_UNEXPECTED_ATTEMPTS) {
          // A job that keeps failing for a reason other than the provider being down is a bug or
          // bad data: it stops here, visible to operators (metric, error log, admin money picture).
          jobOutcomes.inc({ kind: job.kind, outcome: 'failed' });
          this.deps.logger.error('payment job gave up; needs a person', { jobId: job.id, kind: job.kind, paymentId: job.paymentId, attempts: job.attempts, err });
          await jobsRepository.finish(this.deps.db, job.id, 'failed', err instanceof Error ? err.message : String(err));
        } else {
          jobOutcomes.inc({ kind: job.kind, outcome: 'retried' });
          this.deps.logger.error('payment job failed unexpectedly; retrying', { jobId: job.id, kind: job.kind, paymentId: job.paymentId, attempt: job.attempts, err });
          await jobsRepository.reschedule(this.deps.db, job.id, runAt, err instanceof Error ? err.message : String(err));
        }
      } catch (e) {
        // The job's lease runs out and another claim retries it.
        this.deps.logger.error('payment job could not be rescheduled', { jobId: job.id, err: e });
      }
    }
  }

  /** The provider is unavailable: wait and retry, and tell the booking once that its payment is deferred. */
  private async defer(job: Job, err: GatewayError, runAt: Date): Promise<void> {
    const reason = err.failure.kind === 'unavailable' ? err.failure.reason : 'unavailable';
    jobOutcomes.inc({ kind: job.kind, outcome: 'deferred' });
    this.deps.logger.warn('payment step deferred: provider unavailable', { jobId: job.id, kind: job.kind, paymentId: job.paymentId, reason, retryAt: runAt.toISOString(), attempt: job.attempts });
    if (!job.paymentId || !PAYMENT_STEPS.has(job.kind)) {
      await jobsRepository.reschedule(this.deps.db, job.id, runAt, err.message);
      return;
    }
    const found = await withPaymentLedger(this.deps, job.paymentId, async (ledger, p, trx) => {
      await jobsRepository.reschedule(trx, job.id, runAt, err.message);
      if (p.deferred) return true;
      p.deferred = true;
      await ledger.savePayment(p);
      await ledger.emit('payment.deferred.v1', { bookingId: p.bookingId, paymentId: p.paymentId, reason: `provider_${reason}`, retryAt: runAt.toISOString() });
      deferrals.inc({ reason });
      return true;
    });
    if (!found) await jobsRepository.reschedule(this.deps.db, job.id, runAt, err.message);
  }
}

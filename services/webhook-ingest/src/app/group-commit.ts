import { counter, histogram, type Logger } from '@matchday/observability';

export interface GroupCommitOptions {
  /** How long the first item of a batch waits for others to join it. */
  lingerMs: number;
  /** Most items per commit; a full batch is committed at once. */
  maxBatch: number;
  /** Commits in flight at once; while all are busy, new items gather into the next batch. */
  concurrency: number;
  logger: Logger;
}

const batchSize = histogram({
  name: 'webhook_group_commit_batch_size',
  help: 'Webhooks stored per transaction by the group commit',
  buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
});
const commitDuration = histogram({
  name: 'webhook_group_commit_duration_seconds',
  help: 'Time to store one group-commit batch (webhooks and outbox rows in one transaction)',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
});
const commitErrors = counter({
  name: 'webhook_group_commit_errors_total',
  help: 'Group-commit transactions that failed; their webhooks were answered 503 and the provider retries them',
});

interface Waiting<I, R> {
  item: I;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: items submitted by concurrent requests are gathered for a few milliseconds (or
 * until a batch is full, or while every commit slot is busy) and committed together by one call of
 * `commit`, which returns one result per item in order. Each submitter's promise settles when the
 * commit holding its items has finished, so an answer is never given before the data is durable.
 */
export class GroupCommitter<I, R> {
  private queue: Array<Waiting<I, R>> = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly commit: (items: I[]) => Promise<R[]>,
    private readonly opts: GroupCommitOptions,
  ) {}

  /** Resolves with one result per item once they are committed; rejects if their commit failed. */
  submit(items: I[]): Promise<R[]> {
    const promises = items.map(
      (item) => new Promise<R>((resolve, reject) => this.queue.push({ item, resolve, reject })),
    );
    if (this.queue.length >= this.opts.maxBatch) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), this.opts.lingerMs);
    return Promise.all(promises);
  }

  /** Commits what is queued now and waits for every commit in flight (shutdown). */
  async drain(): Promise<void> {
    this.kick();
    while (this.inFlight > 0 || this.queue.length > 0) {
      await new Promise<void>((resolve) => this.idle.add(resolve));
      this.kick();
    }
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight < this.opts.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      void this.run(batch);
    }
  }

  private async run(batch: Array<Waiting<I, R>>): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      const results = await this.commit(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i] as R));
      batchSize.observe(batch.length);
      commitDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    } catch (err) {
      commitErrors.inc();
      this.opts.logger.error('group commit failed; its webhooks are refused and will be retried by the providers', {
        err,
        batchSize: batch.length,
      });
      for (const w of batch) w.reject(err);
    } finally {
      this.inFlight--;
      // Items that arrived while every slot was busy have waited long enough: commit them now.
      if (this.queue.length > 0) this.kick();
      for (const resolve of this.idle) resolve();
      this.idle.clear();
    }
  }
}

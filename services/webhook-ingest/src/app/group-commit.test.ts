import { createLogger } from '@matchday/observability';
import { GroupCommitter } from './group-commit';

const logger = createLogger({ service: 'test', level: 'error' });

describe('GroupCommitter', () => {
  it('when many requests submit at once, then they share one commit and each gets its own result', async () => {
    const commits: number[][] = [];
    const committer = new GroupCommitter<number, string>(
      async (items) => {
        commits.push(items);
        return items.map((i) => `ok-${i}`);
      },
      { lingerMs: 5, maxBatch: 100, concurrency: 1, logger },
    );
    const results = await Promise.all([committer.submit([1]), committer.submit([2, 3]), committer.submit([4])]);
    expect(results).toEqual([['ok-1'], ['ok-2', 'ok-3'], ['ok-4']]);
    expect(commits).toEqual([[1, 2, 3, 4]]);
  });

  it('when a batch is full, then it is committed without waiting, and the rest follows', async () => {
    const commits: number[][] = [];
    const committer = new GroupCommitter<number, number>(
      async (items) => {
        commits.push(items);
        return items;
      },
      { lingerMs: 10_000, maxBatch: 2, concurrency: 4, logger },
    );
    const started = Date.now();
    await Promise.all([committer.submit([1, 2]), committer.submit([3, 4])]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(commits).toEqual([[1, 2], [3, 4]]);
  });

  it('when every commit slot is busy, then new items gather into the next batch instead of waiting in line one by one', async () => {
    const commits: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const committer = new GroupCommitter<number, number>(
      async (items) => {
        commits.push(items);
        if (commits.length === 1) await gate;
        return items;
      },
      { lingerMs: 0, maxBatch: 100, concurrency: 1, logger },
    );
    const first = committer.submit([1]);
    await new Promise((r) => setTimeout(r, 10));
    const rest = [committer.submit([2]), committer.submit([3]), committer.submit([4])];
    await new Promise((r) => setTimeout(r, 10));
    release();
    await Promise.all([first, ...rest]);
    expect(commits).toEqual([[1], [2, 3, 4]]);
  });

  it('when a commit fails, then every request in that batch is rejected and later batches still commit', async () => {
    let calls = 0;
    const committer = new GroupCommitter<number, number>(
      async (items) => {
        if (++calls === 1) throw new Error('database down');
        return items;
      },
      { lingerMs: 1, maxBatch: 100, concurrency: 1, logger },
    );
    const failed = await Promise.allSettled([committer.submit([1]), committer.submit([2])]);
    expect(failed.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    await expect(committer.submit([3])).resolves.toEqual([3]);
  });

  it('when drained, then queued items are committed before it resolves', async () => {
    const committed: number[] = [];
    const committer = new GroupCommitter<number, number>(
      async (items) => {
        committed.push(...items);
        return items;
      },
      { lingerMs: 10_000, maxBatch: 100, concurrency: 1, logger },
    );
    const pending = committer.submit([7, 8]);
    await committer.drain();
    expect(committed).toEqual([7, 8]);
    await pending;
  });
});

import type { Knex } from '@matchday/db';
import { counter, histogram } from '@matchday/observability';
import { isUniqueViolation } from '@matchday/db';
import { PLACE_HOLDS_SQL, placeHoldsBindings, type PlaceHoldParams, type PlaceHoldRow, type PlaceHoldsRow } from './hold-statement';
import { holdsRepository } from './holds.repository';

const batchSize = histogram({
  name: 'booking_hold_batch_size',
  help: 'Hold attempts written per statement on one match (group commit)',
  buckets: [1, 2, 5, 10, 20, 50, 100, 200],
});
const batchFallbacks = counter({
  name: 'booking_hold_batch_fallbacks_total',
  help: 'Batches Postgres refused as a whole, decided again attempt by attempt, by reason',
  labelNames: ['reason'],
});

interface Pending {
  params: PlaceHoldParams;
  resolve: (row: PlaceHoldRow) => void;
  reject: (err: unknown) => void;
}

export interface HoldWriter {
  /** Writes one attempt; resolves with its row (placed 0 or 1) or rejects with its own error. */
  place(params: PlaceHoldParams): Promise<PlaceHoldRow>;
}

/**
 * Group commit for the hold hot path. Attempts on one match would queue on its row lock in
 * Postgres anyway, each holding a pool connection while it waits; here they queue in memory
 * instead: one statement per match is in flight at a time, and whatever arrived meanwhile goes
 * into the next one (up to `maxBatch`). Under no load a batch is one attempt, so nothing waits for
 * company. Within a batch, attempts take slots in arrival order until none are left. A batch that
 * fails as a whole (a second hold of one user) is decided again attempt by attempt.
 */
export function createHoldWriter(db: Knex, opts: { maxBatch: number }): HoldWriter {
  const queues = new Map<string, Pending[]>();
  const busy = new Set<string>();

  const one = async (p: Pending): Promise<void> => {
    try {
      p.resolve(await holdsRepository.place(db, p.params));
    } catch (err) {
      p.reject(err);
    }
  };

  const flush = async (matchId: string): Promise<void> => {
    const queue = queues.get(matchId);
    if (!queue || queue.length === 0 || busy.has(matchId)) return;
    const batch = queue.splice(0, opts.maxBatch);
    if (queue.length === 0) queues.delete(matchId);
    busy.add(matchId);
    try {
      batchSize.observe(batch.length);
      if (batch.length === 1) {
        await one(batch[0]!);
        return;
      }
      let row: PlaceHoldsRow;
      try {
        const { rows } = await db.raw(PLACE_HOLDS_SQL, placeHoldsBindings(matchId, batch[0]!.params.now, batch.map((b) => b.params)) as Knex.RawBinding[]);
        row = rows[0] as PlaceHoldsRow;
      } catch (err) {
        // A user with an active hold already (unique index) fails the whole statement: decide each alone.
        batchFallbacks.inc({ reason: isUniqueViolation(err) ? 'second_hold' : 'error' });
        for (const b of batch) await one(b);
        return;
      }
      const placed = new Set(row.placed_ids);
      for (const b of batch) b.resolve({ ...row, placed: placed.has(b.params.holdId) ? 1 : 0 });
    } finally {
      busy.delete(matchId);
      void flush(matchId);
    }
  };

  return {
    place(params) {
      return new Promise<PlaceHoldRow>((resolve, reject) => {
        const queue = queues.get(params.matchId) ?? [];
        queue.push({ params, resolve, reject });
        queues.set(params.matchId, queue);
        void flush(params.matchId);
      });
    },
  };
}

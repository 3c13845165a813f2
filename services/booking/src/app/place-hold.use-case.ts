import { randomUUID } from 'node:crypto';
import { buildEvent } from '@matchday/contracts';
import { isUniqueViolation } from '@matchday/db';
import { ErrorCode, fail } from '../domain/errors';
import { checkQuantity, holdExpiry, isLive, type Hold } from '../domain/hold';
import { holdsRepository } from '../db/holds.repository';
import { matchesRepository } from '../db/matches.repository';
import { outboxRow } from '../db/outbox-row';
import type { PlaceHoldRow } from '../db/hold-statement';
import { SOURCE, type AppDeps } from './deps';
import { metrics } from './metrics';
import type { AdmitResult } from './ports';
import { makeUserExperience } from './recover-session.use-case';

export interface PlaceHoldInput {
  userId: string;
  matchId: string;
  quantity: number;
  sessionId: string | null;
  deviceId: string | null;
}

type Refusal = 'MATCH_NOT_FOUND' | 'MATCH_NOT_ON_SALE' | 'SOLD_OUT';

/**
 * `created` false: the user's existing active hold on the match (another device, a retry).
 * `refused`: no slots for this attempt. During a rush refusals are the common answer, so they are
 * returned as values (the route renders the problem) rather than thrown: no error object and no
 * error-middleware detour per refused fan.
 */
export type PlaceHoldResult =
  | { hold: Hold; created: boolean; refused?: undefined }
  | { refused: { code: Refusal; message: string; details: Record<string, unknown> }; hold?: undefined };

function refusalOf(row: PlaceHoldRow, now: Date): Refusal {
  if (row.status === null) return 'MATCH_NOT_FOUND';
  if (row.status !== 'SCHEDULED' || (row.kickoff_at && row.kickoff_at.getTime() <= now.getTime())) return 'MATCH_NOT_ON_SALE';
  return 'SOLD_OUT';
}

/**
 * Places a hold of N slots, rush-proof:
 * 1. Redis admission (one Lua call) answers sold-out, not-on-sale and "you already hold slots
 *    here" without touching Postgres, and reserves tokens for everyone else;
 * 2. Postgres takes the slots with one conditional-update statement (the source of truth: it
 *    cannot oversell whatever Redis said) and writes the hold and its hold.placed event;
 * 3. Redis is told how it ended: tokens kept, or given back when Postgres did not take the slots
 *    for another reason than lack of them.
 * Redis being down only removes step 1 and 3: Postgres decides alone.
 */
export function makePlaceHold(deps: AppDeps, heat: { attempt(matchId: string): void }) {
  const { admission } = deps;
  const userExperience = makeUserExperience(deps);

  const MESSAGES: Record<Refusal, string> = {
    SOLD_OUT: 'no slots left for this quantity',
    MATCH_NOT_ON_SALE: 'the match is not on sale',
    MATCH_NOT_FOUND: 'no such match',
  };
  const refuse = (code: Refusal, decidedBy: 'redis' | 'postgres', details: Record<string, unknown> = {}): PlaceHoldResult => {
    metrics.holdsRejected.inc({ reason: code.toLowerCase(), decided_by: decidedBy });
    return { refused: { code, message: MESSAGES[code], details } };
  };

  /** The user's active hold, handed to another device or a retry (and remembered for session recovery). */
  const existing = async (input: PlaceHoldInput, hold: Hold): Promise<PlaceHoldResult> => {
    metrics.holdsReturned.inc();
    if (input.sessionId && input.sessionId !== hold.sessionId) {
      await holdsRepository.addSession(deps.db, {
        sessionId: input.sessionId,
        holdId: hold.id,
        userId: input.userId,
        deviceId: input.deviceId,
        now: deps.clock.now(),
      });
      await userExperience(input.userId).handleConcurrentSessions(input.userId);
    }
    return { hold, created: false };
  };

  const placeInPostgres = async (input: PlaceHoldInput, admitted: boolean, token: string): Promise<PlaceHoldResult> => {
    const now = deps.clock.now();
    const holdId = randomUUID();
    const expiresAt = holdExpiry(now, deps.config.HOLD_TTL_SECONDS);
    const event = buildEvent(
      'hold.placed.v1',
      {
        holdId,
        matchId: input.matchId,
        userId: input.userId,
        quantity: input.quantity,
        expiresAt: expiresAt.toISOString(),
        ...(input.sessionId ? { sessionId: input.sessionId } : {}),
      },
      { source: SOURCE, subject: holdId },
    );
    let row: PlaceHoldRow;
    try {
      row = await deps.holdWriter.place({ ...input, holdId, expiresAt, now, event: outboxRow(event) });
    } catch (err) {
      if (admitted) await admission.finish(input.matchId, input.userId, input.quantity, token, { returnTokens: true });
      if (!isUniqueViolation(err)) throw err;
      const hold = await holdsRepository.activeFor(deps.db, input.matchId, input.userId);
      if (!hold) throw err;
      await admission.rememberUserHold(hold.matchId, hold.userId, hold.id, hold.expiresAt.getTime() - now.getTime());
      return existing(input, hold);
    }
    if (row.placed === 1) {
      if (admitted) {
        // Not awaited: the answer does not depend on it. Until it lands, the user's marker says
        // "pending" and a second device is answered from Postgres, where the hold already is.
        void admission.finish(input.matchId, input.userId, input.quantity, token, {
          returnTokens: false,
          holdId,
          ttlMs: expiresAt.getTime() - now.getTime(),
        });
      } else {
        await admission.rememberUserHold(input.matchId, input.userId, holdId, expiresAt.getTime() - now.getTime());
      }
      metrics.holdsPlaced.inc({ source: 'direct' });
      const hold: Hold = {
        id: holdId,
        matchId: input.matchId,
        userId: input.userId,
        quantity: input.quantity,
        status: 'ACTIVE',
        sessionId: input.sessionId,
        deviceId: input.deviceId,
        waitlistEntryId: null,
        expiresAt,
        createdAt: now,
        updatedAt: now,
      };
      return { hold, created: true };
    }
    const reason = refusalOf(row, now);
    if (admitted) {
      // Lack of slots: Redis had more tokens than Postgres slots, so this token goes (the
      // counter was high). Anything else: the tokens were not the problem, give them back.
      if (reason === 'SOLD_OUT') {
        metrics.oversellPrevented.inc();
        deps.logger.info('postgres refused a hold redis admitted; admission counter was high', {
          matchId: input.matchId,
          quantity: input.quantity,
          available: row.available_before,
        });
      }
      await admission.finish(input.matchId, input.userId, input.quantity, token, { returnTokens: reason !== 'SOLD_OUT' });
      // Kicked off (or cancelled) since the counter was set: stop admitting for this match.
      if (reason === 'MATCH_NOT_ON_SALE') await admission.close(input.matchId);
    }
    return refuse(reason, 'postgres', reason === 'SOLD_OUT' ? { available: row.available_before ?? 0 } : { matchId: input.matchId });
  };

  const decide = async (input: PlaceHoldInput, attempt: number): Promise<PlaceHoldResult> => {
    const token = randomUUID();
    let admit: AdmitResult = await admission.admit(input.matchId, input.userId, input.quantity, token);
    if (admit.kind === 'unprimed') {
      const value = await matchesRepository.admissionValue(deps.db, input.matchId, deps.clock.now());
      if (value === null) return refuse('MATCH_NOT_FOUND', 'postgres', { matchId: input.matchId });
      await admission.prime(input.matchId, value).catch(() => undefined);
      admit = await admission.admit(input.matchId, input.userId, input.quantity, token);
      if (admit.kind === 'unprimed') admit = { kind: 'unavailable' };
    }
    switch (admit.kind) {
      case 'sold_out':
        return refuse('SOLD_OUT', 'redis', { available: admit.available });
      case 'closed':
        return refuse('MATCH_NOT_ON_SALE', 'redis', { matchId: input.matchId });
      case 'existing': {
        const hold = await holdsRepository.get(deps.db, admit.holdId);
        if (hold && hold.userId === input.userId && isLive(hold, deps.clock.now())) return existing(input, hold);
        // A stale marker (the hold ended and the marker was not cleared): drop it and decide again.
        await admission.forgetUserHold(input.matchId, input.userId, admit.holdId);
        if (attempt >= 2) return placeInPostgres(input, false, token);
        return decide(input, attempt + 1);
      }
      case 'pending': {
        const hold = await holdsRepository.activeFor(deps.db, input.matchId, input.userId);
        if (hold) return existing(input, hold);
        return fail(ErrorCode.HOLD_IN_PROGRESS, 'another request of yours for this match is being decided; retry in a moment', {
          retryAfterSeconds: 1,
        });
      }
      case 'admitted':
        return placeInPostgres(input, true, token);
      case 'unavailable':
        return placeInPostgres(input, false, token);
    }
  };

  return async (input: PlaceHoldInput): Promise<PlaceHoldResult> => {
    checkQuantity(input.quantity, deps.config.MAX_SLOTS_PER_HOLD);
    heat.attempt(input.matchId);
    const started = process.hrtime.bigint();
    let outcome = 'error';
    try {
      const result = await decide(input, 1);
      outcome = result.refused ? result.refused.code.toLowerCase() : result.created ? 'placed' : 'existing';
      return result;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      outcome = typeof code === 'string' ? code.toLowerCase() : 'error';
      throw err;
    } finally {
      metrics.holdDuration.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}

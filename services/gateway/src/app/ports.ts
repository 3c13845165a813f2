import type { EventData } from '@matchday/contracts';
import type { JWK } from 'jose';
import type { Identity, Role } from '../domain/identity';
import type { BookingAction, LimitRule, LimitSubject } from '../domain/rate-limit';
import type { UserSession } from '../domain/sessions';

/** What the use-cases need from the outside; the adapters (Redis, Kafka, jose) implement it. */

/** Why a token was refused: expired, or not acceptable at all (forged, malformed, wrong issuer…). */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    readonly code: 'TOKEN_EXPIRED' | 'TOKEN_INVALID' | 'IDENTITY_PROVIDER_UNAVAILABLE',
    message: string,
  ) {
    super(message);
  }
}

export interface HitResult {
  allowed: boolean;
  /** When refused: ms until a retry can succeed. */
  retryAfterMs: number;
  remaining: number;
  /** Refused because of an existing block. */
  blocked: boolean;
}

export interface RateLimitStore {
  hit(subject: LimitSubject, action: BookingAction, rule: LimitRule): Promise<HitResult>;
  /** Blocks the subject from the action; true when this call started the block. */
  block(subject: LimitSubject, action: BookingAction, seconds: number): Promise<boolean>;
  usage(subject: LimitSubject, action: BookingAction, rule: LimitRule): Promise<{ used: number; blockedMs: number }>;
  /** Forgets every window and block of the subject. */
  reset(subject: LimitSubject, actions: readonly BookingAction[]): Promise<void>;
}

export interface TicketRecord {
  ticketId: string;
  /** `open`: the room has closed, no admission is needed any more. */
  state: 'waiting' | 'admitted' | 'expired' | 'open';
  position?: number;
  admissionToken?: string;
  admissionExpiresAtMs?: number;
  created: boolean;
}

export interface WaitingRoomStore {
  /** The match's admission rate while it is hot, else undefined. */
  hotRate(matchId: string): Promise<number | undefined>;
  /** Applies a match.hot event unless a newer one was applied already; false when ignored as older. */
  setHot(matchId: string, hot: boolean, ratePerSecond: number, eventTime: Date): Promise<boolean>;
  waiting(matchId: string): Promise<number>;
  /** The caller's ticket (new or existing), after admitting what is due; undefined when the match is not hot. */
  join(matchId: string, userId: string): Promise<TicketRecord | undefined>;
  /** The caller's ticket after admitting what is due; undefined when it is not theirs or does not exist. */
  ticket(matchId: string, ticketId: string, userId: string): Promise<TicketRecord | undefined>;
  /** True when the admission is valid for this user and match (read only). */
  isAdmitted(matchId: string, admissionToken: string, userId: string): Promise<boolean>;
  /** Uses up an admission (after the hold it was for succeeded). */
  consumeAdmission(matchId: string, admissionToken: string, userId: string): Promise<boolean>;
}

export interface SessionLock {
  release(): Promise<void>;
}

export interface SessionStore {
  /** The user's shared session (created on first use, kept alive by use) and their recent devices. */
  touch(userId: string, deviceId: string): Promise<UserSession>;
  /** Takes the user's change lock for `deviceId`, or says which device holds it. */
  tryLock(userId: string, deviceId: string): Promise<{ lock: SessionLock } | { heldBy: string }>;
  /** True the first time within `seconds` for this user: a conflict is signalled once per burst. */
  firstConflictWithin(userId: string, seconds: number): Promise<boolean>;
  /** Notes that the user made a request now (platform-wide, shared by replicas). */
  markActive(userId: string): Promise<void>;
  /** Distinct users with a request in the last `seconds`. */
  activeUsers(seconds: number): Promise<number>;
}

export type SignalType = 'ratelimit.exceeded.v1' | 'session.conflict.v1';

export interface SignalPublisher {
  /** Sends a gateway.signals event in the background; the caller's answer does not wait for Kafka. */
  publish<T extends SignalType>(type: T, data: EventData<T>, subject: string): void;
  /** Waits for the sends in flight (shutdown, tests). */
  flush(): Promise<void>;
}

export interface DevIssuer {
  issue(claims: { userId: string; roles: Role[]; deviceId?: string; email?: string }, ttlSeconds?: number): Promise<{ token: string; expiresIn: number }>;
  jwks(): { keys: JWK[] };
}

export interface TokenService {
  /** The built-in development issuer; undefined when it is off (production). */
  readonly devIssuer: DevIssuer | undefined;
  /** Verifies signature, issuer, audience and lifetime, and reads the caller from the claims. */
  verify(token: string): Promise<Identity>;
}

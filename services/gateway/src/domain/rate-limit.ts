/**
 * Rate limiting (the seed's RateLimiter). Every request counts against the caller's IP and, when
 * signed in, the user; some operations also count against an action of their own (holds per
 * minute, …). Windows slide: a limit of N per W seconds means at most N accepted requests in any
 * W seconds. A subject that goes over is blocked from that action for a while.
 */
export type BookingAction = 'request' | 'hold' | 'booking' | 'modify' | 'payment' | 'auth' | 'join';
export const BOOKING_ACTIONS: readonly BookingAction[] = ['request', 'hold', 'booking', 'modify', 'payment', 'auth', 'join'];
export const isBookingAction = (v: unknown): v is BookingAction =>
  typeof v === 'string' && (BOOKING_ACTIONS as readonly string[]).includes(v);

export type SubjectKind = 'user' | 'ip';
export interface LimitSubject {
  kind: SubjectKind;
  id: string;
}

export interface LimitRule {
  limit: number;
  windowSeconds: number;
  blockSeconds: number;
}

/** The limit per action and subject kind; an absent entry means the action is not limited for that kind. */
export type LimitRules = Partial<Record<BookingAction, Partial<Record<SubjectKind, LimitRule>>>>;

export interface LimitDecision {
  allowed: boolean;
  action: BookingAction;
  subject: LimitSubject;
  limit: number;
  windowSeconds: number;
  /** Requests left in the current window (0 when refused). */
  remaining: number;
  /** When refused: seconds until a retry can succeed. */
  retryAfterSeconds: number;
  /** Refused because the subject was already blocked (no new signal). */
  alreadyBlocked: boolean;
}

/** What went over, for the block and the fraud signal. */
export interface ExceededLimit {
  action: BookingAction;
  subject: LimitSubject;
  ip: string;
  userId?: string;
  rule: LimitRule;
}

/** The seed's interface, where `userId` is the subject (a user id, or the IP of an anonymous caller). */
export interface RateLimiter {
  checkLimit(userId: string, action: BookingAction): Promise<boolean>;
  handleExceededLimit(userId: string, exceeded?: ExceededLimit): Promise<void>;
  resetLimits(userId: string): Promise<void>;
}

export interface LimitCheck {
  subject: LimitSubject;
  action: BookingAction;
  rule: LimitRule;
}

function checks(rules: LimitRules, pairs: Array<[LimitSubject, BookingAction]>): LimitCheck[] {
  return pairs.flatMap(([subject, action]) => {
    const rule = rules[action]?.[subject.kind];
    return rule ? [{ subject, action, rule }] : [];
  });
}

/** Checked before authentication, so that floods of bad tokens are limited too: any request, per IP. */
export const ipLimits = (rules: LimitRules, ip: string): LimitCheck[] => checks(rules, [[{ kind: 'ip', id: ip }, 'request']]);

/**
 * Checked once the caller is known: any request per user, and the operation's own action per user
 * (per IP for anonymous operations such as token requests).
 */
export function callerLimits(rules: LimitRules, caller: { userId?: string; ip: string }, action: BookingAction | undefined): LimitCheck[] {
  const subject: LimitSubject = caller.userId ? { kind: 'user', id: caller.userId } : { kind: 'ip', id: caller.ip };
  const pairs: Array<[LimitSubject, BookingAction]> = [];
  if (caller.userId) pairs.push([subject, 'request']);
  if (action && action !== 'request') pairs.push([subject, action]);
  return checks(rules, pairs);
}

/** Seconds for a Retry-After header: at least 1, rounded up. */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

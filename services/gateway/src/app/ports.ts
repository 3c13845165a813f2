/** What the use-cases need from the outside, as the adapters provide it. */
export type { RateLimitStore, HitResult } from '../adapters/redis-rate-limit-store';
export type { WaitingRoomStore, TicketRecord } from '../adapters/redis-waiting-room-store';
export type { SessionStore, SessionLock } from '../adapters/redis-session-store';
export type { SignalPublisher } from '../adapters/signal-publisher';
export type { TokenService, DevIssuer } from '../adapters/token-service';

export { runScenario, assignPersonas, fillNotified, DEFAULT_MIX, type ScenarioOptions, type ScenarioResult } from './scenario';
export { launchPlatform, matchdayEnv, PLATFORM_SERVICES, type LaunchOptions, type LaunchedPlatform } from './launch';
export { collectSnapshot, readEvents, readEventsApi, readEventTable, type CollectOptions } from './collect';
export {
  checkAll,
  checkOversell,
  checkSettled,
  checkMoneyEquation,
  checkProviderMoney,
  checkCaptures,
  checkEventsApplied,
  checkDeadLetters,
  checkWebhooksStored,
  checkNotificationsUnique,
  checkNotificationsDelivered,
  checkFindings,
  SUBSCRIPTIONS,
  SELF_HEALABLE,
  type Snapshot,
  type InvariantResult,
  type Verdict,
  type BookingRecord,
  type MatchRecord,
  type PaymentRecord,
  type NotificationRecord,
  type FindingRecord,
  type OutboxRecord,
  type InboxRecord,
  type DeadLetterRecord,
  type ExpectedNotification,
} from './invariants';
export { runChaos, serviceTarget, postgresTarget, redisTarget, OwnBroker, type ChaosPlan, type ChaosTarget } from './chaos';
export { renderSummary, percentile, latencies, type RunSummary, type ChaosEvent } from './summary';
export { ApiClient, ApiError, RequestStats } from './http';
export { SandboxControl, type SandboxState } from './sandbox';
export type { Persona, FanResult, Outcome } from './fans';

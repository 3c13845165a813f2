export { testInfra, type Infra } from './infra';
export { isolation, type Isolation } from './isolation';
export { serviceDb, type ServiceDb } from './service-db';
export {
  closeTestKafka,
  deleteTopics,
  probe,
  publishEvent,
  publishEvents,
  publishRaw,
  setupTopics,
  type EventProbe,
} from './events';
export { eventually, sleep } from './wait';
export { createLogger as testLogger } from '@matchday/observability';

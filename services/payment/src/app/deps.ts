import type { QueueManager } from '@matchday/bus';
import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { PaymentGateway } from '../adapters/stripe-gateway';
import type { PaymentCurrencyHandler } from './currency-handler';

/** What every use-case may use; main.ts (through buildService) wires it once. */
export interface AppDeps {
  db: Knex;
  bus: QueueManager;
  gateway: PaymentGateway;
  currency: PaymentCurrencyHandler;
  clock: () => Date;
  logger: Logger;
  settings: {
    quoteTtlSeconds: number;
    retryBaseMs: number;
    retryMaxMs: number;
  };
}

export type Tx = Knex.Transaction;

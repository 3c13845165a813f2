import type { Logger } from '@matchday/observability';

// What every request carries once it has passed through createHttpApp's middleware.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express is extended by declaration merging
  namespace Express {
    interface Request {
      /** The request id: the client's `X-Request-Id` when it is well formed, else a fresh UUID. */
      id: string;
      /** A logger whose lines carry this request's id. */
      log: Logger;
      /** The body exactly as received, only on `rawBodyPaths` (webhook signature checks). */
      rawBody?: Buffer;
    }
  }
}

export {};

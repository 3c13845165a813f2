import { once } from 'node:events';
import http, { type Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from '@matchday/observability';

/** Starts serving `app`; rejects if the port cannot be bound (EADDRINUSE, EACCES). */
export async function listen(app: Express, port: number, host: string): Promise<Server> {
  const server = http.createServer(app);
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}

export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

export interface GracefulShutdownOptions {
  server: Server;
  logger: Logger;
  /** Run in order after the server stopped taking requests: stop consumers, drain, flush the relay, telemetry. */
  steps: ShutdownStep[];
  /** Budget for the whole shutdown; past it, open connections are cut and the process exits with 1. */
  graceMs: number;
  /** Time between turning readiness off and closing the listener, so load balancers stop routing first. Default 0. */
  readinessDelayMs?: number;
  /** Signals to handle. Default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  /** Called with the exit code at the end. Default `process.exit`. */
  exit?: (code: number) => void;
}

export interface ShutdownHandle {
  /** True from the moment a shutdown starts: use it in `readiness`. */
  isShuttingDown(): boolean;
  /** Starts the shutdown now (the signal handlers call this); later calls return the same promise. */
  shutdown(reason: string): Promise<void>;
  /** Removes the signal handlers (tests). */
  dispose(): void;
}

/**
 * Stops accepting connections and waits for in-flight requests. Keep-alive connections that go idle
 * once their request is answered are closed as they do, instead of lingering until keepAliveTimeout.
 */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close((err) => {
      clearInterval(sweep);
      if (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * On SIGTERM/SIGINT: readiness turns false, the listener closes and in-flight requests finish, then
 * each step runs in order (a failing step is logged and the next still runs), then the process exits:
 * 0 when everything went through, 1 on a failure or when `graceMs` ran out.
 *
 * The app is created before the handle exists, so let readiness read it through a variable:
 * ```ts
 * let shutdown: ShutdownHandle | undefined;
 * const app = createHttpApp({ ..., readiness: () => !shutdown?.isShuttingDown() });
 * const server = await listen(app, cfg.PORT, cfg.HOST);
 * shutdown = gracefulShutdown({ server, logger, graceMs: cfg.SHUTDOWN_GRACE_MS, steps: [...] });
 * ```
 */
export function gracefulShutdown(options: GracefulShutdownOptions): ShutdownHandle {
  const { server, logger, steps, graceMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let running: Promise<void> | undefined;

  const sequence = async (reason: string): Promise<number> => {
    const started = Date.now();
    logger.info('shutting down', { reason, graceMs });
    if (options.readinessDelayMs) await new Promise((r) => setTimeout(r, options.readinessDelayMs));
    let failed = false;
    const all: ShutdownStep[] = [{ name: 'http server', run: () => closeServer(server) }, ...steps];
    for (const step of all) {
      const stepStarted = Date.now();
      try {
        await step.run();
        logger.info('shutdown step done', { step: step.name, durationMs: Date.now() - stepStarted });
      } catch (err) {
        failed = true;
        logger.error('shutdown step failed', { step: step.name, err });
      }
    }
    logger.info('shutdown complete', { durationMs: Date.now() - started, failed });
    return failed ? 1 : 0;
  };

  const shutdown = (reason: string): Promise<void> => {
    running ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<number>((resolve) => {
        timer = setTimeout(() => {
          logger.error('shutdown grace period exceeded; closing remaining connections', { graceMs });
          server.closeAllConnections();
          resolve(1);
        }, graceMs);
        timer.unref();
      });
      const code = await Promise.race([sequence(reason), deadline]);
      clearTimeout(timer);
      exit(code);
    })();
    return running;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    void shutdown(signal);
  };
  for (const signal of signals) process.once(signal, onSignal);

  return {
    isShuttingDown: () => running !== undefined,
    shutdown,
    dispose: () => {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}

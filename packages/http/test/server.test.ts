import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpApp, gracefulShutdown, listen, type ShutdownHandle } from '../src';
import { capturingLogger } from './helpers';

function url(server: Server, path: string): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
}

describe('listen and gracefulShutdown', () => {
  const handles: ShutdownHandle[] = [];
  afterEach(() => handles.splice(0).forEach((h) => h.dispose()));

  async function start(slowMs = 200) {
    const log = capturingLogger('info');
    let shutdown: ShutdownHandle | undefined;
    const app = createHttpApp({
      serviceName: 'shutdown-test',
      logger: log.logger,
      readiness: () => !shutdown?.isShuttingDown(),
      routes: (a) => {
        a.get('/v1/slow', async (_req, res) => {
          await new Promise((r) => setTimeout(r, slowMs).unref());
          res.json({ done: true });
        });
      },
    });
    const server = await listen(app, 0, '127.0.0.1');
    return {
      server,
      log,
      init(options: Omit<Parameters<typeof gracefulShutdown>[0], 'server' | 'logger'>) {
        shutdown = gracefulShutdown({ server, logger: log.logger, signals: ['SIGUSR2'], ...options });
        handles.push(shutdown);
        return shutdown;
      },
    };
  }

  it('when the port is already taken, then listen rejects', async () => {
    const { server } = await start();
    const port = (server.address() as AddressInfo).port;
    const app = createHttpApp({ serviceName: 'x', logger: capturingLogger().logger, routes: () => undefined });
    await expect(listen(app, port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await new Promise((r) => server.close(r));
  });

  it('when the signal arrives, then readiness turns false, in-flight requests finish, steps run in order, and the process exits 0', async () => {
    const { server, log, init } = await start(300);
    const order: string[] = [];
    let exitCode: number | undefined;
    const shutdown = init({
      graceMs: 5000,
      exit: (code) => {
        exitCode = code;
      },
      steps: [
        {
          name: 'stop consumers',
          run: async () => {
            order.push(`stop consumers (listening=${server.listening})`);
          },
        },
        { name: 'flush outbox relay', run: async () => void order.push('flush outbox relay') },
        { name: 'telemetry', run: async () => void order.push('telemetry') },
      ],
    });

    const base = url(server, '/health/live');
    expect((await fetch(url(server, '/health/ready'))).status).toBe(200);
    const inFlight = fetch(url(server, '/v1/slow'));
    await new Promise((r) => setTimeout(r, 50));
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(shutdown.isShuttingDown()).toBe(true);

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await shutdown.shutdown('again');

    expect(order).toEqual(['stop consumers (listening=false)', 'flush outbox relay', 'telemetry']);
    expect(exitCode).toBe(0);
    await expect(fetch(base)).rejects.toThrow();
    await log.settle();
    expect(log.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['shutting down', 'shutdown step done', 'shutdown complete']),
    );
    expect(log.lines.find((l) => l.msg === 'shutting down')).toMatchObject({ reason: 'SIGUSR2' });
  });

  it('when draining has started but the listener is still open, then readiness answers 503', async () => {
    const { server, init } = await start();
    const shutdown = init({ graceMs: 5000, readinessDelayMs: 300, exit: () => undefined, steps: [] });
    const done = shutdown.shutdown('test');
    const res = await fetch(url(server, '/health/ready'));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not_ready' });
    await done;
  });

  it('when a step fails, then the failure is logged, later steps still run, and the exit code is 1', async () => {
    const { log, init } = await start();
    const ran: string[] = [];
    let exitCode: number | undefined;
    const shutdown = init({
      graceMs: 5000,
      exit: (code) => {
        exitCode = code;
      },
      steps: [
        {
          name: 'stop consumers',
          run: async () => {
            throw new Error('broker unreachable');
          },
        },
        { name: 'telemetry', run: async () => void ran.push('telemetry') },
      ],
    });
    await shutdown.shutdown('test');
    expect(ran).toEqual(['telemetry']);
    expect(exitCode).toBe(1);
    await log.settle();
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'shutdown step failed', step: 'stop consumers', err: expect.objectContaining({ message: 'broker unreachable' }) }),
    );
  });

  it('when the grace period runs out, then open connections are cut and the exit code is 1', async () => {
    const { server, log, init } = await start(10_000);
    let exitCode: number | undefined;
    const shutdown = init({
      graceMs: 200,
      exit: (code) => {
        exitCode = code;
      },
      steps: [],
    });
    const stuck = fetch(url(server, '/v1/slow')).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await shutdown.shutdown('test');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(exitCode).toBe(1);
    expect(await stuck).toBe('cut');
    await log.settle();
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'error', msg: 'shutdown grace period exceeded; closing remaining connections' }));
  });
});

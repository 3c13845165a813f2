import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { startSandbox, stripeClient, type Sandbox } from '../src';
import { startReceiver, type Receiver } from './receiver';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(() => sandbox.close());

const control = (method: string, route: string, body?: unknown): Promise<Response> =>
  fetch(`${sandbox.url}/__sandbox${route}`, {
    method,
    ...(body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  });

describe('control API', () => {
  it('when the state is dumped, then it lists provider objects as JSON and reset empties it', async () => {
    const stripe = stripeClient({ apiKey: sandbox.secrets.stripeApiKey, baseUrl: sandbox.url });
    const pi = await stripe.paymentIntents.create(
      { amount: 100, currency: 'eur' },
      { idempotencyKey: 'control-1' },
    );
    const dump = (await (await control('GET', '/state')).json()) as {
      stripe: { paymentIntents: Array<{ id: string }>; events: unknown[]; idempotency: { keys: number } };
      stats: { stripe: { requests: number } };
    };
    expect(dump.stripe.paymentIntents.map((p) => p.id)).toEqual([pi.id]);
    expect(dump.stripe.events).toHaveLength(1);
    expect(dump.stripe.idempotency).toEqual({ keys: 1 });
    expect(dump.stats.stripe.requests).toBe(1);

    expect((await control('POST', '/reset')).status).toBe(200);
    expect(sandbox.state.stripe.paymentIntents.size).toBe(0);
    expect(sandbox.state.stats.stripe.requests).toBe(0);
  });

  it('when a fault rule is malformed, then it is refused with the problems listed', async () => {
    const res = await control('POST', '/faults', { provider: 'paypal', errorRate: 2 });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: Array<{ path: string[] }> };
    expect(body.issues.map((i) => i.path[0]).sort()).toEqual(['errorRate', 'provider']);
    expect(sandbox.state.faults.api).toHaveLength(0);
  });

  it('when a dispute is requested for an unknown payment intent, then the control API answers 404', async () => {
    const res = await control('POST', '/stripe/disputes', { payment_intent: 'pi_unknown' });
    expect(res.status).toBe(404);
  });

  it('when webhook targets are changed at run time, then new events go to the new target', async () => {
    const receiver: Receiver = await startReceiver();
    try {
      expect((await control('PUT', '/webhooks/targets', { stripe: `${receiver.url}/new` })).status).toBe(200);
      const stripe = stripeClient({ apiKey: sandbox.secrets.stripeApiKey, baseUrl: sandbox.url });
      await stripe.paymentIntents.create({ amount: 100, currency: 'eur' }, { idempotencyKey: 'control-2' });
      await receiver.waitFor((r) => r.length === 1);
      expect(receiver.received[0]!.path).toBe('/new');
    } finally {
      sandbox.setWebhookTargets({ stripe: undefined });
      sandbox.reset();
      await receiver.close();
    }
  });

  it('when the secrets are requested, then they match what the sandbox verifies', async () => {
    const secrets = (await (await control('GET', '/secrets')).json()) as Record<string, string>;
    expect(secrets).toEqual(sandbox.secrets);
    expect(secrets.stripeWebhookSecret).toMatch(/^whsec_/);
    expect(secrets.twilioAccountSid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(secrets.sendgridApiKey).toMatch(/^SG\./);
  });
});

describe('CLI', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGTERM');
    child = undefined;
  });

  it('when started with --port 0 and a webhook target in the environment, then it prints its URL and secrets and serves the SDKs', async () => {
    const receiver = await startReceiver();
    try {
      child = spawn(process.execPath, [require.resolve('tsx/cli'), 'src/cli.ts', '--port', '0'], {
        cwd: path.resolve(__dirname, '..'),
        env: {
          ...process.env,
          SANDBOX_STRIPE_WEBHOOK_URL: `${receiver.url}/cli`,
          SANDBOX_STRIPE_API_KEY: 'sk_test_cli_fixed_key',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const printed = await new Promise<{ url: string; secrets: { stripeApiKey: string } }>(
        (resolve, reject) => {
          const lines = createInterface({ input: child!.stdout! });
          lines.on('line', (line) => {
            const parsed = JSON.parse(line) as { url?: string; secrets?: { stripeApiKey: string } };
            if (parsed.url && parsed.secrets)
              resolve(parsed as { url: string; secrets: { stripeApiKey: string } });
          });
          child!.once('exit', (code) => reject(new Error(`cli exited with ${code}`)));
        },
      );
      expect(printed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(printed.secrets.stripeApiKey).toBe('sk_test_cli_fixed_key');

      const stripe = stripeClient({ apiKey: printed.secrets.stripeApiKey, baseUrl: printed.url });
      await stripe.paymentIntents.create({ amount: 100, currency: 'eur' }, { idempotencyKey: 'cli-1' });
      await receiver.waitFor((r) => r.length === 1);
      expect(receiver.received[0]!.path).toBe('/cli');

      const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      child = undefined;
    } finally {
      await receiver.close();
    }
  });
});

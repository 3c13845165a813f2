/**
 * Starts the provider sandbox and prints its URL and secrets as one JSON line (logs are JSON lines too).
 *
 *   tsx src/cli.ts --port 4010 [--smtp-port 2525] [--host 0.0.0.0]
 *
 * Webhook targets: SANDBOX_STRIPE_WEBHOOK_URL, SANDBOX_TWILIO_WEBHOOK_URL, SANDBOX_SENDGRID_WEBHOOK_URL.
 * Fixed secrets (so other processes can be configured up front): SANDBOX_STRIPE_API_KEY,
 * SANDBOX_STRIPE_WEBHOOK_SECRET, SANDBOX_TWILIO_ACCOUNT_SID, SANDBOX_TWILIO_AUTH_TOKEN,
 * SANDBOX_SENDGRID_API_KEY, SANDBOX_SENDGRID_PRIVATE_KEY (PEM), SANDBOX_FCM_PROJECT_ID, SANDBOX_SMTP_USER,
 * SANDBOX_SMTP_PASSWORD, SANDBOX_VONAGE_API_KEY, SANDBOX_VONAGE_API_SECRET.
 */
import { parseArgs } from 'node:util';
import { startSandbox } from './sandbox';
import { consoleLogger, type SandboxSecrets } from './types';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      'smtp-port': { type: 'string', default: '2525' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  const env = process.env;
  const secrets: Partial<SandboxSecrets> = {};
  const fromEnv: Array<[keyof SandboxSecrets, string]> = [
    ['stripeApiKey', 'SANDBOX_STRIPE_API_KEY'],
    ['stripeWebhookSecret', 'SANDBOX_STRIPE_WEBHOOK_SECRET'],
    ['twilioAccountSid', 'SANDBOX_TWILIO_ACCOUNT_SID'],
    ['twilioAuthToken', 'SANDBOX_TWILIO_AUTH_TOKEN'],
    ['sendgridApiKey', 'SANDBOX_SENDGRID_API_KEY'],
    ['sendgridPrivateKey', 'SANDBOX_SENDGRID_PRIVATE_KEY'],
    ['fcmProjectId', 'SANDBOX_FCM_PROJECT_ID'],
    ['smtpUser', 'SANDBOX_SMTP_USER'],
    ['smtpPassword', 'SANDBOX_SMTP_PASSWORD'],
    ['vonageApiKey', 'SANDBOX_VONAGE_API_KEY'],
    ['vonageApiSecret', 'SANDBOX_VONAGE_API_SECRET'],
  ];
  for (const [key, name] of fromEnv) if (env[name]) secrets[key] = env[name];

  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  const smtpPort = Number(values['smtp-port']);
  if (!Number.isInteger(smtpPort) || smtpPort < 0 || smtpPort > 65535)
    throw new Error(`invalid --smtp-port ${values['smtp-port']}`);
  const sandbox = await startSandbox({
    port,
    smtpPort,
    host: values.host,
    secrets,
    webhookTargets: {
      stripe: env.SANDBOX_STRIPE_WEBHOOK_URL || undefined,
      twilio: env.SANDBOX_TWILIO_WEBHOOK_URL || undefined,
      sendgrid: env.SANDBOX_SENDGRID_WEBHOOK_URL || undefined,
    },
    logger: consoleLogger,
  });
  // One JSON line, like the log lines around it: `grep '"secrets"'` or a JSON-lines reader finds it.
  console.log(JSON.stringify({ url: sandbox.url, smtpUrl: sandbox.smtp.url, secrets: sandbox.secrets }));

  const stop = (signal: string): void => {
    consoleLogger.info('provider sandbox stopping', { signal });
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

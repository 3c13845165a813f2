import nodemailer, { type Transporter } from 'nodemailer';
import { startSandbox, type Sandbox } from '../src';

let sandbox: Sandbox;
let transport: Transporter;

beforeAll(async () => {
  sandbox = await startSandbox({ limits: { smtp: { limit: 3, windowMs: 60_000 } } });
  transport = nodemailer.createTransport(sandbox.smtp.url);
});

afterEach(() => sandbox.reset());

afterAll(async () => {
  transport.close();
  await sandbox.close();
});

const mail = (to: string) => ({
  from: 'Matchday <tickets@matchday.test>',
  to,
  subject: 'Kick-off moved',
  text: 'The match now starts at 20:00.',
  html: '<p>The match now starts at <b>20:00</b>.</p>',
  headers: { 'X-Notification-Id': 'n-1' },
});

interface SmtpError {
  responseCode?: number;
  code?: string;
  rejected?: string[];
}

describe('SMTP relay through nodemailer', () => {
  it('when a message is sent with the relay credentials, then it is queued and kept parsed with its envelope', async () => {
    const info = await transport.sendMail(mail('fan@example.com'));
    expect(info.accepted).toEqual(['fan@example.com']);
    expect(info.response).toMatch(/^250 .*queued as [0-9A-F]{12}$/);
    const [stored] = sandbox.state.smtp.messages;
    expect(stored).toMatchObject({
      from: 'tickets@matchday.test',
      to: ['fan@example.com'],
      subject: 'Kick-off moved',
      text: 'The match now starts at 20:00.',
      messageId: info.messageId,
    });
    expect(stored!.html).toContain('<b>20:00</b>');
    expect(stored!.headers['x-notification-id']).toBe('n-1');
    expect(sandbox.state.stats.smtp).toMatchObject({ requests: 1, peakPerWindow: 1 });
  });

  it('when a recipient does not exist, then RCPT TO is refused with 550 and nothing is queued', async () => {
    const err = (await transport.sendMail(mail('bounce@example.com')).catch((e: unknown) => e)) as SmtpError;
    expect(err.responseCode).toBe(550);
    expect(err.rejected).toEqual(['bounce@example.com']);
    expect(sandbox.state.smtp.messages).toHaveLength(0);
    expect(sandbox.state.smtp.rejected).toEqual([
      expect.objectContaining({ address: 'bounce@example.com', code: 550 }),
    ]);
  });

  it('when the credentials are wrong, then the login fails with 535', async () => {
    const url = new URL(sandbox.smtp.url);
    url.password = 'wrong';
    const wrong = nodemailer.createTransport(url.toString());
    const err = (await wrong.sendMail(mail('fan@example.com')).catch((e: unknown) => e)) as SmtpError;
    expect(err.responseCode).toBe(535);
    expect(err.code).toBe('EAUTH');
    wrong.close();
  });

  it('when more messages than the limit are sent in a window, then the extra ones get 451 and the stats show the peak', async () => {
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(
        await transport.sendMail(mail(`fan${i}@example.com`)).then(
          () => 250,
          (e: SmtpError) => e.responseCode,
        ),
      );
    }
    expect(results).toEqual([250, 250, 250, 451, 451]);
    expect(sandbox.state.smtp.messages).toHaveLength(3);
    expect(sandbox.state.stats.smtp).toMatchObject({ rateLimited: 2, peakPerWindow: 5 });
  });

  it('when a fault rule fails the relay, then MAIL FROM is answered with a permanent (5xx) or temporary (4xx) error and nothing is queued', async () => {
    sandbox.addFault({ provider: 'smtp', status: 503, count: 1 });
    const first = (await transport.sendMail(mail('fan@example.com')).catch((e: unknown) => e)) as SmtpError;
    sandbox.addFault({ provider: 'smtp', status: 421, count: 1 });
    const second = (await transport.sendMail(mail('fan@example.com')).catch((e: unknown) => e)) as SmtpError;
    expect(first.responseCode).toBe(554);
    expect(second.responseCode).toBe(451);
    expect(sandbox.state.stats.smtp.faultsInjected).toBe(2);
    expect(sandbox.state.smtp.messages).toHaveLength(0);
  });
});

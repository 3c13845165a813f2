/**
 * The web client and the operations console in a real browser (Debian's Chromium, headless) against
 * the whole platform started as processes (startPlatform, own prefix and ports). One platform, four
 * scenarios in sequence; screenshots of the key screens go to test-artifacts/web/.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startPlatform, type Platform } from '@matchday/platform';
import { closeTestKafka, publishRaw } from '@matchday/testkit';
import {
  artifactsDir,
  buildWeb,
  Gateway,
  shellForTsxShim,
  launchChromium,
  newDevice,
  PageLog,
  scenario,
  Screens,
  signIn,
  textOf,
  until,
} from './browser-harness';

const OFFSET = 200;
const prefix = `web${randomBytes(3).toString('hex')}`;
const webOrigin = `http://127.0.0.1:${8090 + OFFSET}`;
const run = randomBytes(2).toString('hex');

let platform: Platform;
let browser: Browser;
let gateway: Gateway;
let adminToken: string;
const log = new PageLog();
const screens = new Screens();
/** The browser profiles of the running scenario, closed when it ends. */
let contexts: BrowserContext[] = [];

async function device(label: string, kind: 'laptop' | 'phone' = 'laptop'): Promise<Page> {
  const ctx = await newDevice(browser, kind);
  contexts.push(ctx);
  const page = log.watch(await ctx.newPage(), platform.gatewayUrl, label);
  page.setDefaultTimeout(20_000);
  return page;
}

interface MatchInput {
  title: string;
  capacity: number;
  unitPrice: number;
}

async function createMatch(m: MatchInput): Promise<string> {
  const created = await gateway.call<{ matchId: string }>('POST', '/v1/admin/matches', adminToken, {
    title: m.title,
    venue: 'Riverside Ground',
    kickoffAt: new Date(Date.now() + 14 * 24 * 3600 * 1000).toISOString(),
    capacity: m.capacity,
    unitPrice: m.unitPrice,
    currency: 'EUR',
  });
  return created.matchId;
}

async function bookingStatus(token: string, bookingId: string): Promise<string | undefined> {
  const b = await gateway.call<{ status?: string }>('GET', `/v1/bookings/${bookingId}`, token);
  return b.status;
}

beforeAll(async () => {
  rmSync(artifactsDir, { recursive: true, force: true });
  buildWeb();
  const undo = shellForTsxShim();
  platform = await startPlatform({
    prefix,
    portOffset: OFFSET,
    only: ['gateway', 'booking', 'payment', 'fraud', 'webhook-ingest', 'web'],
    env: { CONSUMER_RETRY_DELAYS_MS: '200,400,800', LOG_LEVEL: 'info' },
    serviceEnv: { gateway: { CORS_ORIGINS: webOrigin } },
  }).finally(undo);
  gateway = new Gateway(platform.gatewayUrl);
  adminToken = await gateway.token(`admin-${run}`, ['admin']);
  browser = await launchChromium();
}, 300_000);

afterEach(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  contexts = [];
  // Every key screen of the scenario passed the WCAG 2.1 A/AA checks (labels, names, contrast, …).
  expect(screens.takeViolations()).toEqual([]);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await platform?.stop();
  await closeTestKafka();
}, 60_000);

describe('web client and operations console in Chromium', () => {
  it('when a fan picks a match, holds places and pays with the test card, then the booking is confirmed', async () => {
    const title = `Harbour FC v Valley United ${run}`;
    const matchId = await createMatch({ title, capacity: 40, unitPrice: 2500 });
    const page = await device('fan');
    await scenario('fan-books', [page], log, async () => {
      await signIn(page, platform.webUrl, `fan-${run}`, ['fan']);
      const card = page.getByTestId(`match-${matchId}`);
      await card.getByText('40 of 40 places left').waitFor();
      await screens.capture(page, '01-matches');

      await card.getByRole('link', { name: title }).click();
      // Keyboard only: type the quantity and press Enter.
      const quantity = page.getByLabel('Number of places');
      await quantity.focus();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type('2');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Your hold' }).waitFor();
      expect(await textOf(page.getByTestId('countdown'))).toMatch(/^\d+:\d\d$/);
      await screens.capture(page, '02-hold-countdown');

      await page.getByRole('button', { name: 'Continue to payment' }).click();
      await page.getByRole('heading', { name: 'Pay for your booking' }).waitFor();
      // The payment service prepares the payment from booking.created; the form appears with it.
      await page.getByLabel('Card number').waitFor({ timeout: 30_000 });
      const bookingId = new URL(page.url()).hash.split('/').pop()!;

      await page.getByLabel('Card number').fill('4000 0000 0000 0002');
      await page.getByLabel('Expiry (MM/YY)').fill('12/34');
      await page.getByLabel('Security code').fill('123');
      await page.getByRole('button', { name: /^Pay / }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: /declined/i })
        .waitFor();
      await screens.capture(page, '03-card-declined');

      await page.getByLabel('Card number').fill('4242 4242 4242 4242');
      await page.getByRole('button', { name: /^Pay / }).click();
      await page.getByRole('heading', { name: 'Booking confirmed' }).waitFor({ timeout: 60_000 });
      expect(await textOf(page.getByTestId('booking-status'))).toBe('Confirmed');
      await screens.capture(page, '04-booking-confirmed');

      // The match list shows the two confirmed places as taken.
      await page.goto(`${platform.webUrl}/#/`);
      await page
        .getByTestId(`match-${matchId}`)
        .getByText('38 of 40 places left')
        .waitFor({ timeout: 15_000 });
      expect(bookingId).toMatch(/[0-9a-f-]{36}/);
    });
  }, 180_000);

  it('when a fan holds places on one device, then a second device and a reload show the same hold', async () => {
    const title = `Northgate v Eastbridge ${run}`;
    const matchId = await createMatch({ title, capacity: 30, unitPrice: 1800 });
    const user = `fan2-${run}`;
    const phone = await device('phone', 'phone');
    const laptop = await device('laptop');
    await scenario('second-device', [phone, laptop], log, async () => {
      await signIn(phone, platform.webUrl, user, ['fan']);
      await phone.goto(`${platform.webUrl}/#/matches/${matchId}`);
      await phone.getByLabel('Number of places').fill('3');
      await phone.getByRole('button', { name: 'Hold places' }).click();
      await phone.getByRole('heading', { name: 'Your hold' }).waitFor();
      const holdId = new URL(phone.url()).hash.split('/').pop()!;
      await phone.getByRole('heading', { name: title }).waitFor();
      await screens.capture(phone, '05-phone-hold');

      await signIn(laptop, platform.webUrl, user, ['fan']);
      const banner = laptop.getByTestId('resume-hold');
      await banner.waitFor({ timeout: 20_000 });
      expect(await textOf(banner)).toContain(`You are holding 3 places for ${title}`);
      await screens.capture(laptop, '06-second-device-resume');
      await banner.getByRole('link', { name: 'Continue to checkout' }).click();
      await laptop.getByRole('heading', { name: 'Your hold' }).waitFor();
      expect(new URL(laptop.url()).hash).toBe(`#/holds/${holdId}`);
      await laptop.getByText(title).waitFor();
      await screens.capture(laptop, '07-second-device-hold');

      // A reload on the first device picks the hold up where it was.
      await phone.reload();
      await phone.getByRole('heading', { name: 'Your hold' }).waitFor();
      expect(await textOf(phone.getByTestId('countdown'))).toMatch(/^\d+:\d\d$/);
    });
  }, 120_000);

  it('when a match is hot, then the fan waits in the waiting room, sees the queue move and gets the hold', async () => {
    const title = `Derby Day ${run}`;
    const matchId = await createMatch({ title, capacity: 100, unitPrice: 4000 });
    const admin = await device('admin-hot');
    const fan = await device('fan-hot');
    await scenario('waiting-room', [admin, fan], log, async () => {
      // The admin opens the waiting room from the console.
      await signIn(admin, platform.webUrl, `ops-${run}`, ['admin']);
      await admin.goto(`${platform.webUrl}/#/ops/matches`);
      const row = admin.getByTestId(`ops-match-${matchId}`);
      await row.getByRole('button', { name: /Waiting room/ }).click();
      await row.getByLabel('Fans let in per second').fill('0.5');
      await row.getByRole('button', { name: 'Open waiting room' }).click();
      await admin.getByText(`Waiting room opened for ${title}`).waitFor();
      await screens.capture(admin, '08-console-match-hot');

      // The gateway learns it from match.hot; three fans are already queuing.
      const fanToken = await gateway.token(`fan3-${run}`);
      await until(
        'the gateway to open the waiting room',
        async () =>
          (await gateway.call<{ hot: boolean }>('GET', `/v1/waiting-room/${matchId}`, fanToken)).hot,
      );
      for (const i of [1, 2, 3])
        await gateway.call(
          'POST',
          `/v1/waiting-room/${matchId}/join`,
          await gateway.token(`queue${i}-${run}`),
        );

      await signIn(fan, platform.webUrl, `fan3-${run}`, ['fan']);
      await fan.goto(`${platform.webUrl}/#/matches/${matchId}`);
      await fan.getByText(/High demand/).waitFor();
      await fan.getByLabel('Number of places').fill('2');
      await fan.getByRole('button', { name: 'Join the queue' }).click();
      const position = fan.getByTestId('queue-position');
      await position.waitFor();
      const first = Number(await textOf(position));
      expect(first).toBeGreaterThanOrEqual(2);
      await screens.capture(fan, '09-waiting-room');
      await until(
        'the queue position to move',
        async () => {
          if (!(await position.isVisible())) return true;
          const now = Number(await textOf(position));
          return now < first;
        },
        30_000,
      );
      await fan.getByRole('heading', { name: 'Your hold' }).waitFor({ timeout: 40_000 });
      await screens.capture(fan, '10-admitted-hold');
    });
  }, 150_000);

  it('when an admin approves a risky booking from the fraud review queue, then it goes through and support can follow its traces', async () => {
    const title = `Cup Final ${run}`;
    const matchId = await createMatch({ title, capacity: 20, unitPrice: 30000 });
    // A risky checkout: a brand-new account paying a large amount with a card from another country.
    const user = `risky-${run}`;
    const token = await gateway.token(user);
    const hold = await gateway.call<{ holdId: string }>('POST', '/v1/holds', token, { matchId, quantity: 2 });
    const booking = await gateway.call<{ bookingId: string }>('POST', '/v1/bookings', token, {
      holdId: hold.holdId,
      paymentMethod: 'pm_card_visa',
      customer: {
        email: 'risky@example.com',
        country: 'DE',
        cardCountry: 'US',
        accountCreatedAt: new Date().toISOString(),
      },
    });

    const admin = await device('admin');
    await scenario('fraud-review', [admin], log, async () => {
      await signIn(admin, platform.webUrl, `ops2-${run}`, ['admin']);
      await admin.goto(`${platform.webUrl}/#/ops/fraud`);
      const review = admin.getByTestId('fraud-review').filter({ hasText: booking.bookingId });
      await until(
        'the booking to reach the review queue',
        async () => {
          if (await review.isVisible()) return true;
          await admin.reload();
          await admin.getByRole('heading', { name: 'Fraud reviews' }).waitFor();
          return false;
        },
        45_000,
        1500,
      );
      expect(await textOf(review.getByTestId('fraud-reasons'))).toMatch(/card issued in US/);
      await screens.capture(admin, '11-fraud-review');
      await review.getByLabel('Note (optional)').fill('Customer verified by phone');
      await review.getByRole('button', { name: /^Approve/ }).click();
      await admin.getByText(`Booking ${booking.bookingId} was approved.`).waitFor();
      await screens.capture(admin, '12-fraud-approved');
      await until(
        'the approved booking to be confirmed',
        async () => (await bookingStatus(token, booking.bookingId)) === 'CONFIRMED',
        60_000,
        1000,
      );

      // Support looks the booking up and follows it into its traces.
      await admin.goto(`${platform.webUrl}/#/ops/search`);
      await admin.getByLabel('Booking reference').fill(booking.bookingId);
      await admin.getByRole('button', { name: 'Open booking' }).click();
      await admin.getByRole('heading', { name: `Booking ${booking.bookingId}` }).waitFor();
      await admin.getByText('Confirmed').first().waitFor();
      await admin.getByTestId('fraud-assessment').filter({ hasText: 'card issued in US' }).first().waitFor();
      await admin.getByRole('heading', { name: 'Payments' }).waitFor();
      const jaeger = new URL((await admin.getByTestId('jaeger-link').getAttribute('href'))!);
      expect(jaeger.searchParams.get('tags')).toContain(booking.bookingId);
      expect((await admin.getByTestId('grafana-link').getAttribute('href'))!).toContain('/explore?');
      await screens.capture(admin, '13-booking-traces');
    });
  }, 180_000);

  it('when a fan splits the cost with a friend by link, then both pay, and the booking can be changed, transferred and cancelled', async () => {
    const title = `Split Cup ${run}`;
    const matchId = await createMatch({ title, capacity: 50, unitPrice: 2000 });
    const laterTitle = `Split Cup replay ${run}`;
    const laterId = await createMatch({ title: laterTitle, capacity: 50, unitPrice: 2500 });
    const ana = await device('ana');
    const bo = await device('bo', 'phone');
    const pay = async (page: Page) => {
      await page.getByLabel('Card number').fill('4242 4242 4242 4242');
      await page.getByLabel('Expiry (MM/YY)').fill('12/34');
      await page.getByLabel('Security code').fill('123');
      await page.getByRole('button', { name: /^Pay / }).click();
    };
    await scenario('split-and-change', [ana, bo], log, async () => {
      await signIn(ana, platform.webUrl, `ana-${run}`, ['fan']);
      await ana.goto(`${platform.webUrl}/#/matches/${matchId}`);
      await ana.getByLabel('Number of places').fill('2');
      await ana.getByRole('button', { name: 'Hold places' }).click();
      await ana.getByLabel('Split the cost with friends').check();
      await ana.getByLabel('Friend 1').fill(`bo-${run}`);
      await ana.getByRole('button', { name: 'Continue to payment' }).click();
      await ana.getByLabel('Card number').waitFor({ timeout: 30_000 });
      const link = ana.getByRole('link', { name: `payment link for bo-${run}` });
      await link.waitFor();
      await screens.capture(ana, '16-split-shares');
      await pay(ana);
      // Paid: authorised, or already captured once fraud allowed it.
      await ana.getByTestId('my-share-status').filter({ hasText: /^Paid/ }).waitFor({ timeout: 30_000 });

      // The friend opens the link on their phone, signs in and pays their share.
      const payUrl = (await link.getAttribute('href'))!;
      await signIn(bo, platform.webUrl, `bo-${run}`, ['fan']);
      await bo.goto(payUrl);
      await pay(bo);
      await bo.getByTestId('share-paid').waitFor();
      await screens.capture(bo, '17-friend-paid');
      await ana.getByRole('heading', { name: 'Booking confirmed' }).waitFor({ timeout: 60_000 });

      // One more place (charged to the card already used), then a move to the replay.
      await ana.getByLabel('Places', { exact: true }).fill('3');
      await ana.getByRole('button', { name: 'Change places' }).click();
      await ana.getByTestId('booking-change').waitFor();
      await until(
        'the extra place to be paid and applied',
        async () => (await textOf(ana.getByTestId('booking-places'))) === '3',
        60_000,
        500,
      );
      await ana.getByLabel('Move to').selectOption(laterId);
      await ana.getByRole('button', { name: 'Move my booking' }).click();
      await ana.getByRole('heading', { name: laterTitle }).waitFor({ timeout: 60_000 });
      await screens.capture(ana, '18-booking-changed');

      await ana.getByLabel("Friend's user id").fill(`bo-${run}`);
      await ana.getByRole('button', { name: 'Offer the transfer' }).click();
      const transferUrl = (await ana.getByRole('link', { name: 'transfer link' }).getAttribute('href'))!;
      await bo.goto(transferUrl);
      await bo.getByRole('button', { name: 'Accept the booking' }).click();
      await bo.getByText('The booking is yours now').waitFor();
      await screens.capture(bo, '19-transfer-accepted');

      await bo.getByRole('link', { name: 'See the booking' }).click();
      await bo.getByRole('button', { name: 'Cancel this booking' }).click();
      await bo.getByRole('button', { name: 'Yes, cancel it' }).click();
      await bo.getByRole('heading', { name: 'Booking cancelled' }).waitFor();
      await screens.capture(bo, '20-booking-cancelled');
    });
  }, 240_000);

  it('when a message breaks the contract, then the admin sees it among the dead letters and replays it', async () => {
    const matchId = randomUUID();
    const admin = await device('admin-dlq');
    await scenario('dead-letter', [admin], log, async () => {
      await signIn(admin, platform.webUrl, `ops3-${run}`, ['admin']);
      // A match.hot event whose body is not JSON goes to the gateway group's dead-letter topic at once.
      await publishRaw(`${prefix}.inventory.events`, {
        key: matchId,
        value: '{"matchId": ',
        headers: {
          ce_id: randomUUID(),
          ce_type: 'match.hot.v1',
          ce_source: 'web-test',
          ce_specversion: '1.0',
          ce_time: new Date().toISOString(),
          ce_subject: matchId,
        },
      });
      await admin.goto(`${platform.webUrl}/#/ops/dlq`);
      await admin.getByLabel('Consumer').selectOption('gateway');
      const count = admin.getByTestId('dlq-count');
      await until(
        'the dead letter to show',
        async () => {
          if (/1 dead letter for gateway/.test(await textOf(count).catch(() => ''))) return true;
          await admin.getByRole('button', { name: 'Refresh' }).click();
          return false;
        },
        30_000,
        1000,
      );
      await screens.capture(admin, '14-dead-letters');
      await admin.getByRole('button', { name: 'Replay all to gateway' }).click();
      await admin.getByText('1 message was sent back to gateway for another try.').waitFor();
      await screens.capture(admin, '15-dead-letters-replayed');
    });
  }, 120_000);
});

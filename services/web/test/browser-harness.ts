/**
 * What the browser test needs around Playwright: building the web client, launching Debian's
 * Chromium headless, calling the gateway directly for setup, screenshots kept as test artifacts,
 * and a log of every failed gateway answer so a failing scenario says which upstream refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const packageDir = join(__dirname, '..');
export const artifactsDir = join(packageDir, '..', '..', 'test-artifacts', 'web');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * startPlatform runs `node node_modules/.bin/tsx …`, but pnpm writes `.bin/tsx` as a shell script,
 * which node cannot run. Until the platform starts tsx's JavaScript entry, the shell runs it and
 * every service starts from source (the shell cannot run the dist bundles with node flags).
 * Returns the undo, to call once the processes are spawned.
 */
/** The platform starts services with `node --import tsx` now; nothing needs swapping. */
export function shellForTsxShim(): () => void {
  return () => undefined;
}

/** Builds the client (Vite) and the server bundle, so the platform serves the current source. */
export function buildWeb(): void {
  execFileSync('pnpm', ['run', 'build'], {
    cwd: packageDir,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 180_000,
  });
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** One line per gateway answer ≥ 400 and per page error, newest last. */
export class PageLog {
  readonly lines: string[] = [];

  watch(page: Page, gatewayUrl: string, label: string): Page {
    page.on('response', async (res) => {
      if (!res.url().startsWith(gatewayUrl) || res.status() < 400) return;
      let body = '';
      try {
        body = (await res.text()).slice(0, 400);
      } catch {
        // body gone (navigation)
      }
      this.lines.push(
        `[${label}] ${res.request().method()} ${res.url().slice(gatewayUrl.length)} → ${res.status()} ${body}`,
      );
    });
    page.on('pageerror', (err) => this.lines.push(`[${label}] page error: ${err.message}`));
    page.on('requestfailed', (req) => {
      // Requests cut short by a navigation are not failures.
      if (req.url().startsWith(gatewayUrl) && req.failure()?.errorText !== 'net::ERR_ABORTED')
        this.lines.push(
          `[${label}] ${req.method()} ${req.url().slice(gatewayUrl.length)} failed: ${req.failure()?.errorText}`,
        );
    });
    return page;
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifactsDir, { recursive: true });
  await page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Checks the page with axe-core against WCAG 2.1 A/AA (labels, names, roles, contrast, …). The
 * script is evaluated through the DevTools protocol, which the page's CSP does not apply to.
 * Returns the serious and critical violations, one line each.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`)) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(', ')}`);
}

/** A key screen: kept as a screenshot and checked for accessibility; the findings are written beside the screenshots. */
export class Screens {
  readonly findings: Record<string, string[]> = {};

  async capture(page: Page, name: string): Promise<void> {
    await screenshot(page, name);
    this.findings[name] = await accessibilityViolations(page);
    writeFileSync(join(artifactsDir, 'accessibility.json'), `${JSON.stringify(this.findings, null, 2)}\n`);
  }

  /** The serious or critical findings captured since the last call, as `screen: finding`. */
  private reported = new Set<string>();
  takeViolations(): string[] {
    const fresh = Object.entries(this.findings).filter(([screen]) => !this.reported.has(screen));
    for (const [screen] of fresh) this.reported.add(screen);
    return fresh.flatMap(([screen, list]) => list.map((f) => `${screen}: ${f}`));
  }
}

/** Runs a scenario; on failure keeps a screenshot of each of its pages and says what the gateway refused. */
export async function scenario(
  name: string,
  pages: Page[],
  log: PageLog,
  body: () => Promise<void>,
): Promise<void> {
  const from = log.lines.length;
  try {
    await body();
  } catch (err) {
    for (const [i, p] of pages.entries()) {
      if (!p.isClosed()) await screenshot(p, `failed-${name}-${i}`).catch(() => undefined);
    }
    const detail = log.lines.slice(from).slice(-20).join('\n');
    const e = err as Error;
    e.message = `${e.message}${detail ? `\n--- gateway refusals and page errors ---\n${detail}` : ''}`;
    throw e;
  }
}

/** Polls until `check` gives a value (not undefined/false), or fails with the last value seen. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`,
  );
}

export async function textOf(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').trim();
}

/** Signs in through the client's development sign-in form. */
export async function signIn(
  page: Page,
  webUrl: string,
  userId: string,
  roles: ('fan' | 'support' | 'admin')[],
): Promise<void> {
  await page.goto(`${webUrl}/#/signin`);
  await page.getByLabel('User id').fill(userId);
  for (const role of ['fan', 'support', 'admin'] as const) {
    const box = page.getByRole('checkbox', {
      name: role === 'fan' ? 'Fan' : role === 'support' ? 'Support' : 'Admin',
    });
    if (roles.includes(role)) await box.check();
    else await box.uncheck();
  }
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-as').filter({ hasText: userId }).waitFor();
}

/** A browser profile of its own (storage, device id): a laptop, or a phone-sized touch screen. */
export async function newDevice(
  browser: Browser,
  kind: 'laptop' | 'phone' = 'laptop',
): Promise<BrowserContext> {
  const size =
    kind === 'phone'
      ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }
      : { viewport: { width: 1280, height: 900 } };
  return browser.newContext({ ...size, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
}

/** The gateway as a test client calls it (setup and checks the user would notice elsewhere). */
export class Gateway {
  constructor(readonly url: string) {}

  async token(userId: string, roles: string[] = ['fan']): Promise<string> {
    const res = await this.call<{ accessToken: string }>('POST', '/v1/auth/token', undefined, {
      userId,
      roles,
    });
    return res.accessToken;
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(method === 'POST' ? { 'Idempotency-Key': crypto.randomUUID() } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

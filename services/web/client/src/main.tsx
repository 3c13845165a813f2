import { render } from 'preact';
import { App } from './app';
import type { ClientConfig } from './app-context';
import './styles.css';

/** Uncaught errors are reported to the web server (logged and counted there), never shown raw. */
function reportErrors(): void {
  const send = (kind: 'error' | 'unhandledrejection', err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    const body = JSON.stringify({
      kind,
      message: e.message.slice(0, 2000),
      route: location.hash.slice(0, 500),
      stack: e.stack?.slice(0, 8000),
    });
    void fetch('/client-errors', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
      keepalive: true,
    }).catch(() => undefined);
  };
  addEventListener('error', (ev) => send('error', ev.error ?? ev.message));
  addEventListener('unhandledrejection', (ev) => send('unhandledrejection', ev.reason));
}

async function start(): Promise<void> {
  reportErrors();
  const root = document.getElementById('app')!;
  let config: ClientConfig;
  try {
    const res = await fetch('/config.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`config.json answered ${res.status}`);
    config = (await res.json()) as ClientConfig;
  } catch {
    root.innerHTML =
      '<main class="page"><h1>Matchday is not available</h1><p class="error" role="alert">We could not load the site settings. Please reload the page in a moment.</p></main>';
    return;
  }
  render(<App config={config} />, root);
}

void start();

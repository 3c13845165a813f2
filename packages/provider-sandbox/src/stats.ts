import { PROVIDERS, type Provider } from './types';

/** Units (requests, or messages for FCM) the platform attempted in one rate-limit window. */
export interface WindowCount {
  /** Rate-limit key: the account, the sender number, the project. */
  key: string;
  /** Window start (epoch ms). */
  start: number;
  /** Everything attempted in the window, rejected attempts included. */
  attempted: number;
  accepted: number;
}

export interface ProviderStats {
  /** API requests received (control API excluded). */
  requests: number;
  /** Responses by HTTP status, e.g. `{ "200": 10, "429": 2 }`. */
  byStatus: Record<string, number>;
  /** 429s because the platform exceeded the configured limit (injected 429s are not counted here). */
  rateLimited: number;
  /** Requests a fault rule answered with an error, a 429 or a hang. */
  faultsInjected: number;
  /** The most units attempted in any one window for any one key: compare with the configured limit. */
  peakPerWindow: number;
  /** Per-window time series, oldest first. */
  windows: WindowCount[];
}

export type SandboxStats = Record<Provider, ProviderStats>;

export function emptyStats(): SandboxStats {
  const out = {} as SandboxStats;
  for (const p of PROVIDERS) {
    out[p] = { requests: 0, byStatus: {}, rateLimited: 0, faultsInjected: 0, peakPerWindow: 0, windows: [] };
  }
  return out;
}

/** Records one attempt against a rate-limit window and keeps the peak up to date. */
export function recordWindow(
  stats: ProviderStats,
  key: string,
  windowMs: number,
  units: number,
  accepted: boolean,
  now = Date.now(),
): void {
  const start = now - (now % windowMs);
  let w: WindowCount | undefined;
  for (let i = stats.windows.length - 1; i >= 0; i--) {
    const c = stats.windows[i]!;
    if (c.start < start) break;
    if (c.key === key && c.start === start) {
      w = c;
      break;
    }
  }
  if (!w) {
    w = { key, start, attempted: 0, accepted: 0 };
    stats.windows.push(w);
  }
  w.attempted += units;
  if (accepted) w.accepted += units;
  if (w.attempted > stats.peakPerWindow) stats.peakPerWindow = w.attempted;
}

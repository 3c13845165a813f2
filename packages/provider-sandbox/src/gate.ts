import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { FaultRegistry } from './faults';
import { FixedWindowLimiter, type RateDecision } from './rate-limiter';
import { sleep } from './scheduler';
import { recordWindow, type SandboxStats } from './stats';
import type { Provider, RateLimit, SandboxLogger } from './types';

/** What the gate needs to know about one provider to answer like it. */
export interface ProviderGate<Req = Request, Res extends ServerResponse = Response> {
  provider: Provider;
  /** The rate-limit bucket a request falls into, or undefined when the endpoint is not limited. */
  rateKey(req: Req): { key: string; units: number; limit: RateLimit } | undefined;
  /** The provider's own error body for a 5xx (or other injected status). */
  serverError(res: Res, status: number): void;
  /** The provider's own 429; `decision` is undefined when the 429 was injected by a fault rule. */
  rateLimited(res: Res, decision: RateDecision | undefined): void;
  /** Headers the provider adds to answers that passed the limiter (SendGrid's X-RateLimit-*). */
  onAllowed?(res: Res, decision: RateDecision): void;
}

export interface GateDeps {
  stats: SandboxStats;
  faults: FaultRegistry;
  logger: SandboxLogger;
  limiter: FixedWindowLimiter;
}

/**
 * Runs before every provider endpoint: counts the request, applies fault rules (latency, errors,
 * injected 429s, hangs) and the configured rate limit, in that order. Resolves to true when the
 * request goes on to the endpoint; otherwise it was answered (or, for an injected hang, never will be).
 */
export async function admit<Req, Res extends ServerResponse>(
  g: ProviderGate<Req, Res>,
  deps: GateDeps,
  req: Req,
  method: string,
  path: string,
  res: Res,
): Promise<boolean> {
  const stats = deps.stats[g.provider];
  stats.requests++;
  res.on('finish', () => {
    const key = String(res.statusCode);
    stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
  });

  const decision = deps.faults.decide(g.provider, method, path);
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  const action = decision.action;
  if (action.kind !== 'none') {
    stats.faultsInjected++;
    deps.logger.info('fault injected', {
      provider: g.provider,
      path,
      fault: action.kind,
      rules: decision.ruleIds,
    });
    if (action.kind === 'timeout') return false; // never answered: the client's own timeout fires
    if (action.kind === 'rate429') g.rateLimited(res, undefined);
    else g.serverError(res, action.status);
    return false;
  }

  const bucket = g.rateKey(req);
  if (bucket) {
    const d = deps.limiter.take(`${g.provider}:${bucket.key}`, bucket.limit, bucket.units);
    recordWindow(stats, bucket.key, bucket.limit.windowMs, bucket.units, d.allowed);
    if (!d.allowed) {
      stats.rateLimited++;
      deps.logger.warn('rate limit exceeded', { provider: g.provider, key: bucket.key, limit: d.limit });
      g.rateLimited(res, d);
      return false;
    }
    g.onAllowed?.(res, d);
  }
  return true;
}

/** {@link admit} as express middleware. */
export function gate(g: ProviderGate, deps: GateDeps): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (await admit(g, deps, req, req.method, req.baseUrl + req.path, res)) next();
  };
}

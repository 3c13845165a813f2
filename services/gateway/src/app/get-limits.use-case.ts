import { BOOKING_ACTIONS, type LimitRules } from '../domain/rate-limit';
import type { RateLimitStore } from './ports';

export interface LimitUsage {
  action: string;
  used: number;
  limit: number;
  windowSeconds: number;
  blockedForSeconds: number;
}

/** A user's current usage per limited action, for support and admins. */
export function makeGetLimits(deps: { store: RateLimitStore; rules: LimitRules }) {
  return async (userId: string): Promise<{ userId: string; actions: LimitUsage[] }> => {
    const actions: LimitUsage[] = [];
    for (const action of BOOKING_ACTIONS) {
      const rule = deps.rules[action]?.user;
      if (!rule) continue;
      const { used, blockedMs } = await deps.store.usage({ kind: 'user', id: userId }, action, rule);
      actions.push({ action, used, limit: rule.limit, windowSeconds: rule.windowSeconds, blockedForSeconds: Math.ceil(blockedMs / 1000) });
    }
    return { userId, actions };
  };
}

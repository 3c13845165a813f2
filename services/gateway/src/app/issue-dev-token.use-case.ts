import { DomainError } from '@matchday/contracts';
import type { Logger } from '@matchday/observability';
import type { Role } from '../domain/identity';
import type { DevIssuer } from './ports';

/** The development issuer: a signed token for any user and roles (never available in production). */
export function makeIssueDevToken(deps: { issuer: DevIssuer | undefined; logger: Logger }) {
  return async (input: { userId: string; roles?: Role[]; deviceId?: string; email?: string; ttlSeconds?: number }) => {
    if (!deps.issuer) throw new DomainError('DEV_ISSUER_DISABLED', {}, 'Tokens come from the identity provider here.');
    const roles = input.roles ?? ['fan'];
    const { token, expiresIn } = await deps.issuer.issue(
      { userId: input.userId, roles, ...(input.deviceId ? { deviceId: input.deviceId } : {}), ...(input.email ? { email: input.email } : {}) },
      input.ttlSeconds,
    );
    deps.logger.info('development token issued', { userId: input.userId, roles });
    return { accessToken: token, tokenType: 'Bearer' as const, expiresIn };
  };
}

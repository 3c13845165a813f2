import type { Response } from 'express';
import type { Identity } from '../domain/identity';
import type { UserSession } from '../domain/sessions';
import type { Operation } from './openapi-document';

/** What the gateway's middleware learnt about a request, in `res.locals`. */
export interface GatewayContext {
  operation?: Operation;
  identity?: Identity;
  deviceId?: string;
  session?: UserSession;
}

export function gatewayContext(res: Response): GatewayContext {
  const locals = res.locals as { gateway?: GatewayContext };
  locals.gateway ??= {};
  return locals.gateway;
}

/** The verified caller; throws when a route that needs one is wired without authentication (a bug). */
export function identityOf(res: Response): Identity {
  const identity = gatewayContext(res).identity;
  if (!identity) throw new Error('route needs an authenticated caller but none was established');
  return identity;
}

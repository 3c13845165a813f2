import { Router } from 'express';
import type { makeGetWaitingRoom } from '../app/get-waiting-room.use-case';
import type { makeGetWaitingRoomTicket } from '../app/get-waiting-room-ticket.use-case';
import type { makeJoinWaitingRoom } from '../app/join-waiting-room.use-case';
import { identityOf } from './context';

export interface WaitingRoomDeps {
  getWaitingRoom: ReturnType<typeof makeGetWaitingRoom>;
  joinWaitingRoom: ReturnType<typeof makeJoinWaitingRoom>;
  getTicket: ReturnType<typeof makeGetWaitingRoomTicket>;
}

/** The waiting room of hot matches: join, then poll the ticket (no connection is held open). */
export function waitingRoomRoutes(deps: WaitingRoomDeps): Router {
  // Case-sensitive like the operation lookup: /V1/... is not /v1/....
  const router = Router({ caseSensitive: true, strict: false });

  router.get('/v1/waiting-room/:matchId', async (req, res) => {
    res.json(await deps.getWaitingRoom(String(req.params.matchId)));
  });

  router.post('/v1/waiting-room/:matchId/join', async (req, res) => {
    const matchId = String(req.params.matchId);
    const { ticket, created } = await deps.joinWaitingRoom(matchId, identityOf(res).userId);
    const location = `/v1/waiting-room/${encodeURIComponent(matchId)}/tickets/${ticket.ticketId}`;
    if (ticket.pollAfterSeconds) res.setHeader('Retry-After', String(ticket.pollAfterSeconds));
    res.status(created ? 201 : 200).location(location).json(ticket);
  });

  router.get('/v1/waiting-room/:matchId/tickets/:ticketId', async (req, res) => {
    const ticket = await deps.getTicket(String(req.params.matchId), String(req.params.ticketId), identityOf(res).userId);
    if (ticket.pollAfterSeconds) res.setHeader('Retry-After', String(ticket.pollAfterSeconds));
    res.setHeader('Cache-Control', 'no-store');
    res.json(ticket);
  });

  return router;
}

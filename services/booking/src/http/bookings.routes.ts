import { Router, type RequestHandler } from 'express';
import { parsed, validate } from '@matchday/http';
import type { UseCases } from '../app/use-cases';
import { bookingView } from '../app/views';
import { callerOf, requireUser } from './identity';
import { schemas } from './schemas';

export function bookingsRoutes(uc: UseCases, deps: { idempotency: RequestHandler }): Router {
  const r = Router();
  const post = [requireUser, deps.idempotency];

  /** Checkout: 201 with a PENDING_PAYMENT booking; 200 with the booking a converted hold already became. */
  r.post('/v1/bookings', ...post, validate(schemas.checkout), async (req, res) => {
    const caller = callerOf(res);
    const { body } = parsed<typeof schemas.checkout>(res);
    const { booking, created } = await uc.checkout({
      userId: caller.userId,
      holdId: body.holdId,
      payers: body.payers,
      paymentMethod: body.paymentMethod,
      paymentCurrency: body.paymentCurrency,
      customer: { ...body.customer, ip: req.ip, ...(caller.deviceId ? { deviceId: caller.deviceId } : {}) },
    });
    if (created) res.status(201).location(`/v1/bookings/${booking.id}`);
    res.json(bookingView(booking));
  });

  r.get('/v1/bookings', requireUser, validate(schemas.listBookings), async (_req, res) => {
    const { query } = parsed<typeof schemas.listBookings>(res);
    const items = await uc.bookings.list(callerOf(res), {
      status: query.status,
      limit: query.limit,
      before: query.before ? new Date(query.before) : undefined,
    });
    res.json({ items });
  });

  r.get('/v1/bookings/:id', requireUser, validate(schemas.byId), async (_req, res) => {
    const { params } = parsed<typeof schemas.byId>(res);
    res.json(await uc.bookings.get(callerOf(res), params.id));
  });

  r.post('/v1/bookings/:id/cancel', ...post, validate(schemas.cancelBooking), async (_req, res) => {
    const { params, body } = parsed<typeof schemas.cancelBooking>(res);
    res.json(bookingView(await uc.cancelBooking(callerOf(res), params.id, body.reason)));
  });

  /** 200 when applied at once, 202 while the extra payment is awaited. */
  r.post('/v1/bookings/:id/reschedule', ...post, validate(schemas.reschedule), async (_req, res) => {
    const { params, body } = parsed<typeof schemas.reschedule>(res);
    const caller = callerOf(res);
    const modification = uc.modification(caller);
    const result = body.matchId
      ? await uc.moveToMatch(caller, params.id, body.matchId)
      : body.newTime
        ? await modification.changeBookingTime(params.id, new Date(body.newTime))
        : await modification.changeBookingDate(params.id, new Date(body.newDate ?? ''));
    res.status(result.status === 'PENDING_PAYMENT' ? 202 : 200).json(result);
  });

  r.post('/v1/bookings/:id/quantity', ...post, validate(schemas.quantity), async (_req, res) => {
    const { params, body } = parsed<typeof schemas.quantity>(res);
    const result = await uc.modification(callerOf(res)).modifySlotCount(params.id, body.quantity);
    res.status(result.status === 'PENDING_PAYMENT' ? 202 : 200).json(result);
  });

  r.post('/v1/bookings/:id/transfer', ...post, validate(schemas.transfer), async (_req, res) => {
    const { params, body } = parsed<typeof schemas.transfer>(res);
    const result = await uc.modification(callerOf(res)).transferBooking(params.id, body.toUserId);
    res.status(201).location(`/v1/transfers/${result.transferId}`).json(result);
  });

  r.post('/v1/transfers/:id/accept', ...post, validate(schemas.byId), async (_req, res) => {
    const { params } = parsed<typeof schemas.byId>(res);
    res.json(await uc.acceptTransfer(callerOf(res), params.id));
  });

  r.get('/v1/transfers/:id', requireUser, validate(schemas.byId), async (_req, res) => {
    const { params } = parsed<typeof schemas.byId>(res);
    res.json(await uc.getTransfer(callerOf(res), params.id));
  });

  /** Waiting list of a sold-out match. */
  r.post('/v1/waitlist', ...post, validate(schemas.joinWaitlist), async (_req, res) => {
    const { body } = parsed<typeof schemas.joinWaitlist>(res);
    const { entry, created } = await uc.waitlist.join(callerOf(res).userId, body.matchId, body.quantity);
    if (created) res.status(201).location(`/v1/waitlist/${entry.entryId}`);
    res.json(entry);
  });

  r.get('/v1/waitlist/:id', requireUser, validate(schemas.byId), async (_req, res) => {
    const { params } = parsed<typeof schemas.byId>(res);
    res.json(await uc.waitlist.get(callerOf(res).userId, params.id));
  });

  r.delete('/v1/waitlist/:id', requireUser, validate(schemas.byId), async (_req, res) => {
    const { params } = parsed<typeof schemas.byId>(res);
    res.json(await uc.waitlist.leave(callerOf(res).userId, params.id));
  });

  /** Booking-session recovery: the session id is the client's X-Session-Id. */
  r.get('/v1/sessions/:id', requireUser, validate(schemas.session), async (_req, res) => {
    const { params } = parsed<typeof schemas.session>(res);
    const caller = callerOf(res);
    const ux = uc.userExperience(caller.userId);
    const state = await ux.recoverBookingSession(params.id);
    const current = state.booking?.bookingId ?? state.hold?.holdId;
    res.json({ ...state, recovery: current ? await ux.handleDisconnection(current) : null });
  });

  return r;
}

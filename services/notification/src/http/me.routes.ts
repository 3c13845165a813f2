import { parsed, validate } from '@matchday/http';
import { Router } from 'express';
import { z } from 'zod';
import type { makeGetContacts } from '../app/get-contacts.use-case';
import type { makeGetPreferences } from '../app/get-preferences.use-case';
import type { makeListDevices } from '../app/list-devices.use-case';
import type { makeRegisterDevice } from '../app/register-device.use-case';
import type { makeRemoveDevice } from '../app/remove-device.use-case';
import type { makeUpdateContacts } from '../app/update-contacts.use-case';
import type { makeUpdatePreferences } from '../app/update-preferences.use-case';
import { CHANNELS } from '../domain';
import { userIdOf } from './identity';

const E164 = /^\+[1-9]\d{6,14}$/;
const LOCALE = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/;

const schemas = {
  contacts: {
    body: z.strictObject({
      email: z.email().max(254).nullable(),
      phone: z.string().regex(E164, 'an E.164 number such as +447700900123').nullable(),
      locale: z.string().regex(LOCALE, 'a BCP 47 language tag such as en or fr-FR').default('en'),
    }),
  },
  device: {
    body: z
      .strictObject({
        token: z.string().min(1).max(4096),
        kind: z.enum(['fcm', 'webpush']),
        subscription: z
          .strictObject({
            endpoint: z.url({ protocol: /^https?$/ }),
            expirationTime: z.number().nullable().optional(),
            keys: z.strictObject({ p256dh: z.string().min(1).max(200), auth: z.string().min(1).max(100) }),
          })
          .optional(),
      })
      .refine((d) => d.kind !== 'webpush' || d.subscription !== undefined, {
        message: 'a webpush device needs its subscription (PushSubscription.toJSON())',
        path: ['subscription'],
      }),
  },
  deviceId: { params: z.object({ id: z.uuid() }) },
  preferences: {
    body: z.strictObject({
      channels: z.array(z.enum(CHANNELS)).max(3),
      optOutNonCritical: z.boolean(),
    }),
  },
};

export interface MeUseCases {
  getContacts: ReturnType<typeof makeGetContacts>;
  updateContacts: ReturnType<typeof makeUpdateContacts>;
  listDevices: ReturnType<typeof makeListDevices>;
  registerDevice: ReturnType<typeof makeRegisterDevice>;
  removeDevice: ReturnType<typeof makeRemoveDevice>;
  getPreferences: ReturnType<typeof makeGetPreferences>;
  updatePreferences: ReturnType<typeof makeUpdatePreferences>;
}

/** The caller's own contacts, devices and preferences (through the gateway; identity from X-User-Id). */
export function meRoutes(u: MeUseCases): Router {
  const r = Router();
  r.get('/v1/me/contacts', async (req, res) => {
    res.json(await u.getContacts(userIdOf(req)));
  });
  r.put('/v1/me/contacts', validate(schemas.contacts), async (req, res) => {
    const { body } = parsed<typeof schemas.contacts>(res);
    res.json(await u.updateContacts(userIdOf(req), body));
  });
  r.get('/v1/me/devices', async (req, res) => {
    const devices = await u.listDevices(userIdOf(req));
    res.json({
      devices: devices.map((d) => ({ id: d.id, kind: d.kind, token: d.token, createdAt: d.createdAt })),
    });
  });
  r.post('/v1/me/devices', validate(schemas.device), async (req, res) => {
    const { body } = parsed<typeof schemas.device>(res);
    const device = await u.registerDevice(userIdOf(req), {
      kind: body.kind,
      token: body.token,
      ...(body.subscription && {
        subscription: { endpoint: body.subscription.endpoint, keys: body.subscription.keys },
      }),
    });
    res
      .status(201)
      .location(`/v1/me/devices/${device.id}`)
      .json({ id: device.id, kind: device.kind, token: device.token, createdAt: device.createdAt });
  });
  r.delete('/v1/me/devices/:id', validate(schemas.deviceId), async (req, res) => {
    const { params } = parsed<typeof schemas.deviceId>(res);
    await u.removeDevice(userIdOf(req), params.id);
    res.status(204).end();
  });
  r.get('/v1/me/preferences', async (req, res) => {
    res.json(await u.getPreferences(userIdOf(req)));
  });
  r.put('/v1/me/preferences', validate(schemas.preferences), async (req, res) => {
    const { body } = parsed<typeof schemas.preferences>(res);
    res.json(await u.updatePreferences(userIdOf(req), body));
  });
  return r;
}

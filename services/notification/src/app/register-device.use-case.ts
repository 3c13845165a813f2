import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { Device, DeviceKind, UsersRepository, WebPushSubscription } from '../db/users.repository';

/**
 * Registers a device for push: an FCM registration token, or a browser's Web Push subscription
 * (its endpoint is the token). Registering a token again is harmless; a token that moved to another
 * account follows it.
 */
export function makeRegisterDevice(deps: { db: Knex; users: UsersRepository; logger: Logger }) {
  return async (
    userId: string,
    input: { kind: DeviceKind; token: string; subscription?: WebPushSubscription },
  ): Promise<Device> => {
    const device = await deps.users.saveDevice(deps.db, userId, {
      kind: input.kind,
      token: input.token,
      subscription: input.kind === 'webpush' ? (input.subscription ?? null) : null,
    });
    deps.logger.info('device registered', { userId, deviceId: device.id, kind: device.kind });
    return device;
  };
}

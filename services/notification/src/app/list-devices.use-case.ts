import type { Knex } from '@matchday/db';
import type { Device, UsersRepository } from '../db/users.repository';

/** The caller's registered devices, oldest first. */
export function makeListDevices(deps: { db: Knex; users: UsersRepository }) {
  return (userId: string): Promise<Device[]> => deps.users.devices(deps.db, userId);
}

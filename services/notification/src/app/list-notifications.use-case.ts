import type { Knex } from '@matchday/db';
import type { NotificationRecord, NotificationsRepository } from '../db/notifications.repository';

/** A user's notifications with their deliveries, newest first (support, and the platform's invariant checks). */
export function makeListNotifications(deps: { db: Knex; notifications: NotificationsRepository }) {
  return (userId: string, opts: { eventId?: string; limit: number }): Promise<NotificationRecord[]> =>
    deps.notifications.listForUser(deps.db, userId, opts);
}

import type { Knex } from '@matchday/db';
import type { Channel, Preferences, Reachability } from '../domain';

type Db = Knex | Knex.Transaction;

export interface Contacts {
  email: string | null;
  phone: string | null;
  locale: string;
}

export type DeviceKind = 'fcm' | 'webpush';

export interface Device {
  id: string;
  userId: string;
  kind: DeviceKind;
  token: string;
  subscription: WebPushSubscription | null;
  createdAt: string;
}

/** A device as a push is addressed to it. */
export type PushDevice = Omit<Device, 'createdAt'>;

/** A browser's `PushSubscription.toJSON()`. */
export interface WebPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** What choosing channels for a user needs to know. */
export interface Recipient {
  userId: string;
  reach: Reachability;
  prefs: Preferences | undefined;
}

interface DeviceRow {
  id: string;
  user_id: string;
  kind: DeviceKind;
  token: string;
  subscription: WebPushSubscription | null;
  created_at: Date;
}

const toDevice = (r: DeviceRow): Device => ({
  id: r.id,
  userId: r.user_id,
  kind: r.kind,
  token: r.token,
  subscription: r.subscription,
  createdAt: r.created_at.toISOString(),
});

interface RecipientRow {
  user_id: string;
  has_email: boolean;
  has_phone: boolean;
  has_device: boolean;
  channels: Channel[] | null;
  opt_out_non_critical: boolean | null;
}

const toRecipient = (r: RecipientRow): Recipient => ({
  userId: r.user_id,
  reach: { email: r.has_email, sms: r.has_phone, push: r.has_device },
  prefs: r.channels
    ? { channels: r.channels, optOutNonCritical: r.opt_out_non_critical ?? false }
    : undefined,
});

const RECIPIENT_COLUMNS = `
  u.user_id,
  c.email IS NOT NULL AS has_email,
  c.phone IS NOT NULL AS has_phone,
  EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.user_id) AS has_device,
  p.channels,
  p.opt_out_non_critical`;

/** Users' contacts, devices and preferences: owned by this service, edited by the users themselves. */
/** Addresses and choices of the given users (users the service knows nothing about come back unreachable). */
async function recipients(db: Db, userIds: string[]): Promise<Recipient[]> {
  if (userIds.length === 0) return [];
  const { rows } = (await db.raw(
    `SELECT ${RECIPIENT_COLUMNS}
       FROM unnest(?::text[]) AS u(user_id)
       LEFT JOIN contacts c ON c.user_id = u.user_id
       LEFT JOIN preferences p ON p.user_id = u.user_id`,
    [[...new Set(userIds)]],
  )) as { rows: RecipientRow[] };
  return rows.map(toRecipient);
}

export function usersRepository() {
  return {
    async contacts(db: Db, userId: string): Promise<Contacts | undefined> {
      const row = await db('contacts')
        .where({ user_id: userId })
        .first<{ email: string | null; phone: string | null; locale: string } | undefined>();
      return row ? { email: row.email, phone: row.phone, locale: row.locale } : undefined;
    },

    async saveContacts(db: Db, userId: string, c: Contacts): Promise<void> {
      await db('contacts')
        .insert({
          user_id: userId,
          email: c.email,
          phone: c.phone,
          locale: c.locale,
          updated_at: db.fn.now(),
        })
        .onConflict('user_id')
        .merge(['email', 'phone', 'locale', 'updated_at']);
    },

    /** Registers a device; a token already registered (by anyone) moves to this user. */
    async saveDevice(
      db: Db,
      userId: string,
      d: { kind: DeviceKind; token: string; subscription: WebPushSubscription | null },
    ): Promise<Device> {
      const [row] = (await db('devices')
        .insert({
          user_id: userId,
          kind: d.kind,
          token: d.token,
          subscription: d.subscription ? JSON.stringify(d.subscription) : null,
        })
        .onConflict(['kind', 'token'])
        .merge(['user_id', 'subscription'])
        .returning('*')) as DeviceRow[];
      return toDevice(row!);
    },

    async devices(db: Db, userId: string): Promise<Device[]> {
      const rows = (await db('devices').where({ user_id: userId }).orderBy('created_at')) as DeviceRow[];
      return rows.map(toDevice);
    },

    /** The devices of many users, oldest first: where their pushes go. */
    async devicesOf(db: Db, userIds: string[]): Promise<PushDevice[]> {
      if (userIds.length === 0) return [];
      const { rows } = (await db.raw(
        `SELECT id, user_id AS "userId", kind, token, subscription
           FROM devices WHERE user_id = ANY(?::text[]) ORDER BY created_at`,
        [userIds],
      )) as { rows: PushDevice[] };
      return rows;
    },

    async removeDevice(db: Db, userId: string, id: string): Promise<boolean> {
      return (await db('devices').where({ user_id: userId, id }).delete()) > 0;
    },

    /** Drops devices a provider said are gone (unregistered FCM tokens, expired Web Push subscriptions). */
    async removeDevices(db: Db, ids: string[]): Promise<number> {
      if (ids.length === 0) return 0;
      return db('devices').whereIn('id', ids).delete();
    },

    async preferences(db: Db, userId: string): Promise<Preferences | undefined> {
      const row = await db('preferences')
        .where({ user_id: userId })
        .first<{ channels: Channel[]; opt_out_non_critical: boolean } | undefined>();
      return row ? { channels: row.channels, optOutNonCritical: row.opt_out_non_critical } : undefined;
    },

    async savePreferences(db: Db, userId: string, p: Preferences): Promise<void> {
      await db.raw(
        `INSERT INTO preferences (user_id, channels, opt_out_non_critical, updated_at) VALUES (?, ?::text[], ?, now())
           ON CONFLICT (user_id) DO UPDATE SET channels = EXCLUDED.channels,
             opt_out_non_critical = EXCLUDED.opt_out_non_critical, updated_at = now()`,
        [userId, p.channels, p.optOutNonCritical],
      );
    },

    recipients,

    /**
     * Addresses and choices of everyone holding a confirmed booking for the match (the fan-out), in
     * user order: their notifications are then inserted in the order of the unique index that leads
     * with user_id (200,000 rows: about a quarter faster than in hash order).
     */
    async matchBookers(db: Db, matchId: string): Promise<Recipient[]> {
      const { rows } = (await db.raw(
        `SELECT ${RECIPIENT_COLUMNS}
           FROM (SELECT DISTINCT user_id FROM bookings WHERE match_id = ? AND status = 'confirmed') u
           LEFT JOIN contacts c ON c.user_id = u.user_id
           LEFT JOIN preferences p ON p.user_id = u.user_id
          ORDER BY u.user_id`,
        [matchId],
      )) as { rows: RecipientRow[] };
      return rows.map(toRecipient);
    },

    /** Whether the user can be reached on each channel now (for a fallback). */
    async reachability(db: Db, userIds: string[]): Promise<Map<string, Reachability>> {
      const list = await recipients(db, userIds);
      return new Map(list.map((r) => [r.userId, r.reach]));
    },
  };
}

export type UsersRepository = ReturnType<typeof usersRepository>;

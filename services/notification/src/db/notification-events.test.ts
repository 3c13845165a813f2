import { buildEvent, fromWire, toWire } from '@matchday/contracts';
import { notificationOutboxJson, type NotificationEventData } from './notification-events';

const data: NotificationEventData = {
  notificationId: '3f1c1b8e-1111-4c4c-9a9a-000000000001',
  deliveryId: '3f1c1b8e-2222-4c4c-9a9a-000000000002',
  userId: 'u-1',
  channel: 'push',
  provider: 'fcm',
  sourceEventType: 'match.rescheduled.v1',
  sourceEventId: 'evt-1',
};
const time = new Date('2026-11-25T12:00:00.000Z');
const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

interface Row {
  id: string;
  key: string;
  headers: Record<string, string>;
  payload: unknown;
}
const rowsOf = (...args: Parameters<typeof notificationOutboxJson>) => JSON.parse(notificationOutboxJson(...args)) as Row[];

describe('notification events built in bulk', () => {
  it('when rows are written as one JSON parameter, then each is the message toWire writes and parses back as a contract-valid event', () => {
    const items = [
      { ...data, reason: 'fcm down; falling back to sms' },
      { ...data, notificationId: '3f1c1b8e-3333-4c4c-9a9a-000000000003', userId: 'u "2"', reason: 'bounced' },
    ];
    const rows = rowsOf('notification.failed.v1', items, { time, trace });
    expect(rows).toHaveLength(2);
    rows.forEach((row, i) => {
      const item = items[i]!;
      const reference = toWire(
        buildEvent('notification.failed.v1', item, { source: 'notification', subject: item.notificationId, id: row.id, time }),
        trace,
      );
      expect(row.key).toBe(reference.key);
      expect(row.headers).toEqual(reference.headers);
      expect(row.payload).toEqual(JSON.parse(reference.value));
      expect(fromWire({ key: row.key, value: JSON.stringify(row.payload), headers: row.headers })).toMatchObject({
        id: row.id,
        type: 'notification.failed.v1',
        source: 'notification',
        subject: item.notificationId,
      });
    });
  });

  it('when many rows are built, then every one has its own event id', () => {
    const rows = rowsOf('notification.sent.v1', Array.from({ length: 100 }, () => data));
    expect(new Set(rows.map((r) => r.id)).size).toBe(100);
  });
});

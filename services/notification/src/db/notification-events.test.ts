import { buildEvent, fromWire, toWire } from '@matchday/contracts';
import {
  notificationOutboxJson,
  notificationOutboxRows,
  type NotificationEventData,
} from './notification-events';

const data: NotificationEventData = {
  notificationId: '3f1c1b8e-1111-4c4c-9a9a-000000000001',
  deliveryId: '3f1c1b8e-2222-4c4c-9a9a-000000000002',
  userId: 'u-1',
  channel: 'push',
  provider: 'fcm',
  sourceEventType: 'match.rescheduled.v1',
  sourceEventId: 'evt-1',
};

describe('notification events built in bulk', () => {
  it('when rows are built directly, then they are the messages toWire writes and parse back as contract-valid events', () => {
    const time = new Date('2026-11-25T12:00:00.000Z');
    const [row] = notificationOutboxRows(
      'notification.failed.v1',
      [{ ...data, reason: 'fcm down; falling back to sms' }],
      {
        time,
        trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      },
    );
    const reference = toWire(
      buildEvent(
        'notification.failed.v1',
        { ...data, reason: 'fcm down; falling back to sms' },
        { source: 'notification', subject: data.notificationId, id: row!.id, time },
      ),
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    );
    expect(row!.topic).toBe(reference.topic);
    expect(row!.key).toBe(reference.key);
    expect(row!.headers).toEqual(reference.headers);
    expect(JSON.parse(row!.payload)).toEqual(JSON.parse(reference.value));
    const parsed = fromWire({ key: row!.key, value: row!.payload, headers: row!.headers });
    expect(parsed).toMatchObject({
      id: row!.id,
      type: 'notification.failed.v1',
      source: 'notification',
      subject: data.notificationId,
    });
  });

  it('when rows are written as one JSON parameter, then they are the same rows, each payload as its own JSON text', () => {
    const time = new Date('2026-11-25T12:00:00.000Z');
    const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    const items = [
      data,
      { ...data, notificationId: '3f1c1b8e-3333-4c4c-9a9a-000000000003', userId: 'u "2"' },
    ];
    const parsed = JSON.parse(
      notificationOutboxJson('notification.sent.v1', items, { time, trace }),
    ) as Array<{
      id: string;
      key: string;
      headers: Record<string, string>;
      payload: unknown;
    }>;
    const reference = notificationOutboxRows('notification.sent.v1', items, { time, trace });
    expect(parsed).toHaveLength(2);
    parsed.forEach((row, i) => {
      expect(row.key).toBe(reference[i]!.key);
      expect(row.headers).toEqual({ ...reference[i]!.headers, ce_id: row.id });
      expect(row.payload).toEqual(JSON.parse(reference[i]!.payload));
    });
    expect(parsed[0]!.id).not.toBe(parsed[1]!.id);
  });

  it('when many rows are built, then every one has its own event id', () => {
    const rows = notificationOutboxRows(
      'notification.sent.v1',
      Array.from({ length: 100 }, () => data),
    );
    expect(new Set(rows.map((r) => r.id)).size).toBe(100);
  });
});

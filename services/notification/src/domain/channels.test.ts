import { channelsFor, fallbackChannel, type Reachability } from './channels';

const reach = (r: Partial<Reachability>): Reachability => ({ email: false, sms: false, push: false, ...r });
const all = reach({ email: true, sms: true, push: true });

describe('choosing channels', () => {
  it('when the user never chose, then the default channels that reach them are used', () => {
    expect(channelsFor(reach({ email: true, sms: true }), undefined, false, ['email', 'push'])).toEqual([
      'email',
    ]);
  });

  it('when the user chose channels, then only those that reach them are used', () => {
    expect(
      channelsFor(all, { channels: ['sms', 'push'], optOutNonCritical: false }, false, ['email']),
    ).toEqual(['sms', 'push']);
    expect(
      channelsFor(reach({ email: true }), { channels: ['push'], optOutNonCritical: false }, false, ['email']),
    ).toEqual([]);
  });

  it('when the user opted out of non-critical messages, then non-critical ones go nowhere and critical ones still go out', () => {
    const prefs = { channels: ['push' as const], optOutNonCritical: true };
    expect(channelsFor(all, prefs, false, ['email'])).toEqual([]);
    expect(channelsFor(all, prefs, true, ['email'])).toEqual(['push']);
  });

  it('when a critical message reaches none of the chosen channels, then the first reachable one is used, email first', () => {
    const prefs = { channels: ['push' as const], optOutNonCritical: false };
    expect(channelsFor(reach({ email: true, sms: true }), prefs, true, ['email'])).toEqual(['email']);
    expect(channelsFor(reach({ sms: true }), prefs, true, ['email'])).toEqual(['sms']);
    expect(channelsFor(reach({}), prefs, true, ['email'])).toEqual([]);
  });
});

describe('falling back', () => {
  const up = () => true;

  it('when push fails, then SMS is next, then email', () => {
    expect(fallbackChannel('push', all, up)).toBe('sms');
    expect(fallbackChannel('sms', all, up)).toBe('email');
    expect(fallbackChannel('email', all, up)).toBeUndefined();
  });

  it('when the next channel cannot reach the user or has no provider able to send, then it is skipped', () => {
    expect(fallbackChannel('push', reach({ email: true, push: true }), up)).toBe('email');
    expect(fallbackChannel('push', all, (c) => c !== 'sms')).toBe('email');
    expect(fallbackChannel('push', reach({ push: true, sms: true }), (c) => c !== 'sms')).toBeUndefined();
  });
});

import { deviceIdOrUndefined, mayCall, parseRoles } from './identity';
import { callerLimits, ipLimits, retryAfterSeconds, type LimitRules } from './rate-limit';
import { upstreamFor } from './route-map';
import { describeTicket, pollAfterSeconds } from './waiting-room';

const rule = (limit: number) => ({ limit, windowSeconds: 60, blockSeconds: 60 });
const rules: LimitRules = {
  request: { user: rule(100), ip: rule(200) },
  hold: { user: rule(5), ip: rule(5) },
  auth: { ip: rule(10) },
};

describe('roles', () => {
  test('roles are read from arrays or strings, and unknown names are dropped', () => {
    expect(parseRoles(['fan', 'root', 'admin', 'fan'])).toEqual(['fan', 'admin']);
    expect(parseRoles('support admin')).toEqual(['support', 'admin']);
    expect(parseRoles(undefined)).toEqual([]);
  });

  test('an operation accepts the roles it lists; without a list, any platform role; without roles, nobody', () => {
    expect(mayCall({ userId: 'u', roles: ['fan'] }, ['admin'])).toBe(false);
    expect(mayCall({ userId: 'u', roles: ['support'] }, ['admin', 'support'])).toBe(true);
    expect(mayCall({ userId: 'u', roles: ['fan'] }, [])).toBe(true);
    expect(mayCall({ userId: 'u', roles: [] }, [])).toBe(false);
  });

  test('a client device id is used only when well formed', () => {
    expect(deviceIdOrUndefined('phone-1')).toBe('phone-1');
    expect(deviceIdOrUndefined('a b')).toBeUndefined();
    expect(deviceIdOrUndefined('x'.repeat(65))).toBeUndefined();
  });
});

describe('which limits a request counts against', () => {
  test('before authentication, every request counts per IP', () => {
    expect(ipLimits(rules, '1.2.3.4')).toEqual([{ subject: { kind: 'ip', id: '1.2.3.4' }, action: 'request', rule: rule(200) }]);
  });

  test('a signed-in hold counts per user for requests and for holds; an anonymous token request per IP', () => {
    expect(callerLimits(rules, { userId: 'u1', ip: 'ip' }, 'hold').map((c) => `${c.subject.kind}:${c.action}`)).toEqual(['user:request', 'user:hold']);
    expect(callerLimits(rules, { ip: 'ip' }, 'auth').map((c) => `${c.subject.kind}:${c.action}`)).toEqual(['ip:auth']);
    expect(callerLimits(rules, { ip: 'ip' }, undefined)).toEqual([]);
  });

  test('Retry-After is whole seconds, at least one', () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
  });
});

describe('route map', () => {
  test('a prefix owns its path and what is below it, not lookalikes', () => {
    expect(upstreamFor('/v1/holds')).toBe('booking');
    expect(upstreamFor('/v1/holds/h1')).toBe('booking');
    expect(upstreamFor('/v1/holdsx')).toBeUndefined();
    expect(upstreamFor('/v1/admin/fraud/reviews')).toBe('fraud');
    expect(upstreamFor('/v1/admin/dlq/booking')).toBeUndefined();
    expect(upstreamFor('/webhooks/stripe')).toBeUndefined();
  });
});

describe('tickets', () => {
  test('a waiting ticket says its position, an estimate and when to look again; an admitted one its admission', () => {
    expect(describeTicket({ ticketId: 't', matchId: 'm', position: 10 }, 2)).toEqual({
      ticketId: 't',
      matchId: 'm',
      status: 'waiting',
      position: 10,
      estimatedWaitSeconds: 5,
      pollAfterSeconds: 3,
    });
    expect(describeTicket({ ticketId: 't', matchId: 'm', admissionToken: 'a', admissionExpiresAtMs: 0 }, 2)).toMatchObject({
      status: 'admitted',
      admissionToken: 'a',
      admissionExpiresAt: '1970-01-01T00:00:00.000Z',
    });
  });

  test('clients are told to poll between 1 and 30 seconds apart', () => {
    expect(pollAfterSeconds(1, 100)).toBe(1);
    expect(pollAfterSeconds(100000, 1)).toBe(30);
  });
});

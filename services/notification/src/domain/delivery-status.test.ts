import { applyReport, sendgridReport, twilioReport } from './delivery-status';

describe('provider reports', () => {
  it('when Twilio reports, then delivered and undelivered/failed are outcomes and the rest is progress', () => {
    expect(twilioReport('delivered')).toEqual({ kind: 'delivered' });
    expect(twilioReport('undelivered', '30003')).toEqual({
      kind: 'failed',
      reason: 'twilio undelivered (error 30003)',
    });
    expect(twilioReport('failed')).toEqual({ kind: 'failed', reason: 'twilio failed' });
    expect(twilioReport('sent')).toEqual({ kind: 'progress' });
  });

  it('when SendGrid reports, then delivered, bounce and dropped are outcomes and the rest is progress', () => {
    expect(sendgridReport('delivered', {})).toEqual({ kind: 'delivered' });
    expect(sendgridReport('bounce', { reason: '550 5.1.1' })).toEqual({
      kind: 'bounced',
      reason: 'bounce: 550 5.1.1',
    });
    expect(sendgridReport('dropped', { reason: 'Bounced Address' })).toEqual({
      kind: 'failed',
      reason: 'dropped: Bounced Address',
    });
    expect(sendgridReport('processed', {})).toEqual({ kind: 'progress' });
    expect(sendgridReport('deferred', {})).toEqual({ kind: 'progress' });
  });

  it('when reports arrive twice, late or out of order, then only forward moves apply', () => {
    expect(applyReport('sent', { kind: 'delivered' })).toBe('delivered');
    expect(applyReport('delivered', { kind: 'delivered' })).toBeUndefined();
    expect(applyReport('delivered', { kind: 'bounced', reason: 'x' })).toBe('bounced');
    expect(applyReport('bounced', { kind: 'delivered' })).toBeUndefined();
    expect(applyReport('failed', { kind: 'delivered' })).toBeUndefined();
    expect(applyReport('delivered', { kind: 'failed', reason: 'x' })).toBeUndefined();
    expect(applyReport('sent', { kind: 'failed', reason: 'x' })).toBe('failed');
    expect(applyReport('sending', { kind: 'delivered' })).toBeUndefined();
    expect(applyReport('sent', { kind: 'progress' })).toBeUndefined();
  });
});

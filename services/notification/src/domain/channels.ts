/** The ways a user can be told something. */
export const CHANNELS = ['email', 'sms', 'push'] as const;
export type Channel = (typeof CHANNELS)[number];

/** When a channel cannot reach the user, the next one is tried: push → SMS → email. */
export const FALLBACK_ORDER: readonly Channel[] = ['push', 'sms', 'email'];

export const PROVIDERS = ['sendgrid', 'smtp', 'twilio', 'vonage', 'fcm', 'webpush'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** Each channel's providers, first choice first: the second is used when the first fails or its breaker is open. */
export const PROVIDERS_OF: Record<Channel, readonly ProviderName[]> = {
  email: ['sendgrid', 'smtp'],
  sms: ['twilio', 'vonage'],
  push: ['fcm', 'webpush'],
};

export const CHANNEL_OF: Record<ProviderName, Channel> = {
  sendgrid: 'email',
  smtp: 'email',
  twilio: 'sms',
  vonage: 'sms',
  fcm: 'push',
  webpush: 'push',
};

/** Which channels have an address for the user: an email, a phone number, a registered device. */
export type Reachability = Record<Channel, boolean>;

export interface Preferences {
  /** Channels the user wants to be told on. */
  channels: Channel[];
  /** No messages that are not critical (critical ones — money, cancellations — are always sent). */
  optOutNonCritical: boolean;
}

/**
 * The channels a notification goes out on: the user's chosen channels (or the defaults) that can
 * reach them. A critical notification that would go nowhere (no chosen channel reachable) still goes
 * out on the first reachable channel, email first; a non-critical one respects the opt-out.
 */
export function channelsFor(
  reach: Reachability,
  prefs: Preferences | undefined,
  critical: boolean,
  defaults: readonly Channel[],
): Channel[] {
  if (!critical && prefs?.optOutNonCritical) return [];
  const wanted = prefs?.channels ?? defaults;
  const chosen = CHANNELS.filter((c) => wanted.includes(c) && reach[c]);
  if (chosen.length > 0 || !critical) return chosen;
  const anyReachable = (['email', 'sms', 'push'] as const).find((c) => reach[c]);
  return anyReachable ? [anyReachable] : [];
}

/**
 * The channel a failed notification falls back to: the next one after `from` in push → SMS →
 * email that reaches the user and has a provider able to send (`available`: configured and its
 * breaker not open). Undefined when nothing is left.
 */
export function fallbackChannel(
  from: Channel,
  reach: Reachability,
  available: (c: Channel) => boolean,
): Channel | undefined {
  const start = FALLBACK_ORDER.indexOf(from);
  return FALLBACK_ORDER.slice(start + 1).find((c) => reach[c] && available(c));
}

/**
 * One booking session per user, shared by all of the user's devices (the seed's
 * UserExperienceHandler.handleConcurrentSessions lives in app/handle-concurrent-sessions.use-case.ts):
 * every device's requests carry the same session id to the services, so recovering the session
 * (`GET /v1/sessions/{id}`) shows one state whichever device asks, and changes made from several
 * devices at once are applied one after another instead of racing.
 */
export interface UserSession {
  sessionId: string;
  /** Devices seen recently for this user, most recent first. */
  activeDevices: string[];
}

/** The device id used when a client says nothing about its device. */
export const UNKNOWN_DEVICE = 'unknown';

/** Two devices are in conflict when a change from one arrives while a change from another is running. */
export const isConflict = (holderDevice: string | undefined, device: string): boolean =>
  holderDevice !== undefined && holderDevice !== device;

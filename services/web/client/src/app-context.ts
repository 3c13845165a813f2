import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './lib/api';
import type { Identity, Role } from './lib/auth';

export interface ClientConfig {
  gatewayUrl: string;
  grafanaUrl: string;
  jaegerUrl: string;
}

export interface AppState {
  config: ClientConfig;
  api: ApiClient;
  identity: Identity | undefined;
  /** The booking session the gateway shares between this user's devices (from `X-Session-Id`). */
  sessionId: string | undefined;
  signIn(userId: string, roles: Role[]): Promise<void>;
  signOut(): void;
  /** Says something politely to screen readers (and shows it briefly). */
  announce(message: string): void;
}

export const AppContext = createContext<AppState | undefined>(undefined);

export function useApp(): AppState {
  const app = useContext(AppContext);
  if (!app) throw new Error('useApp outside <AppContext.Provider>');
  return app;
}

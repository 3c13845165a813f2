import { useCallback, useMemo, useRef, useState } from 'preact/hooks';
import { AppContext, type AppState, type ClientConfig } from './app-context';
import { createApiClient } from './lib/api';
import {
  deviceId,
  type Identity,
  isStaff,
  loadIdentity,
  loadSessionId,
  type Role,
  saveIdentity,
  saveSessionId,
} from './lib/auth';
import { href, type Route, useRoute } from './lib/router';
import { OpsConsole } from './ops/console';
import { BookingPage } from './views/booking';
import { MyBookings } from './views/my-bookings';
import { HoldPage } from './views/hold';
import { MatchPage } from './views/match';
import { Matches } from './views/matches';
import { PayShare } from './views/pay-share';
import { SignIn } from './views/sign-in';
import { TransferPage } from './views/transfer';
import { PageTitle } from './ui';

interface TokenAnswer {
  accessToken: string;
  expiresIn: number;
}

function NotFound() {
  return (
    <>
      <PageTitle>Page not found</PageTitle>
      <p>
        This page does not exist. <a href="#/">See the matches</a>.
      </p>
    </>
  );
}

/** Pages that need a signed-in user show the sign-in form first, then the page. */
function needsSignIn(route: Route): boolean {
  const first = route.parts[0];
  return (
    first === 'holds' || first === 'bookings' || first === 'pay' || first === 'transfers' || first === 'ops'
  );
}

function Page({ route, app }: { route: Route; app: AppState }) {
  const [first, second, third] = route.parts;
  if (first === 'signin') return <SignIn />;
  if (needsSignIn(route) && !app.identity) return <SignIn reason="Sign in to continue." />;
  switch (first) {
    case undefined:
    case 'matches':
      return second ? <MatchPage matchId={second} /> : <Matches />;
    case 'holds':
      return second ? <HoldPage holdId={second} /> : <NotFound />;
    case 'bookings':
      return second ? <BookingPage bookingId={second} /> : <MyBookings />;
    case 'pay':
      return second ? <PayShare paymentId={second} /> : <NotFound />;
    case 'transfers':
      return second ? <TransferPage transferId={second} /> : <NotFound />;
    case 'ops':
      return <OpsConsole section={second} id={third} />;
    default:
      return <NotFound />;
  }
}

export function App({ config }: { config: ClientConfig }) {
  const route = useRoute();
  const [identity, setIdentity] = useState<Identity | undefined>(() => loadIdentity());
  const [sessionId, setSessionId] = useState<string | undefined>(() => loadSessionId());
  const [announcement, setAnnouncement] = useState('');
  const identityRef = useRef(identity);
  identityRef.current = identity;

  const signOut = useCallback(() => {
    saveIdentity(undefined);
    setIdentity(undefined);
    setSessionId(undefined);
  }, []);

  const api = useMemo(
    () =>
      createApiClient({
        baseUrl: config.gatewayUrl,
        token: () => identityRef.current?.token,
        deviceId,
        onSession: (id) => {
          if (id !== loadSessionId()) saveSessionId(id);
          setSessionId((old) => (old === id ? old : id));
        },
        onUnauthorized: signOut,
      }),
    [config.gatewayUrl],
  );

  const signIn = useCallback(
    async (userId: string, roles: Role[]) => {
      const answer = await api.post<TokenAnswer>(
        '/v1/auth/token',
        { userId, roles, deviceId: deviceId() },
        { anonymous: true },
      );
      const next: Identity = {
        userId,
        roles,
        token: answer.accessToken,
        expiresAt: Date.now() + answer.expiresIn * 1000,
      };
      saveIdentity(next);
      setIdentity(next);
    },
    [api],
  );

  const announce = useCallback((message: string) => {
    setAnnouncement('');
    setTimeout(() => setAnnouncement(message), 50);
  }, []);

  const app: AppState = { config, api, identity, sessionId, signIn, signOut, announce };
  const first = route.parts[0];
  const current = (name: string | undefined) => (first === name ? 'page' : undefined);

  return (
    <AppContext.Provider value={app}>
      <a
        class="skip-link"
        href="#main"
        onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}
      >
        Skip to content
      </a>
      <header class="site-header">
        <a class="brand" href="#/">
          Matchday
        </a>
        <nav aria-label="Main">
          <ul>
            <li>
              <a href="#/" aria-current={first === undefined || first === 'matches' ? 'page' : undefined}>
                Matches
              </a>
            </li>
            {identity && (
              <li>
                <a href={href('bookings')} aria-current={current('bookings')}>
                  My bookings
                </a>
              </li>
            )}
            {isStaff(identity) && (
              <li>
                <a href={href('ops')} aria-current={current('ops')}>
                  Operations
                </a>
              </li>
            )}
          </ul>
        </nav>
        <div class="who">
          {identity ? (
            <>
              <span data-testid="signed-in-as">
                Signed in as <strong>{identity.userId}</strong>{' '}
                <span class="muted">({identity.roles.join(', ')})</span>
              </span>{' '}
              <button type="button" class="button-small" onClick={signOut}>
                Sign out
              </button>
            </>
          ) : (
            <a href={href('signin')}>Sign in</a>
          )}
        </div>
      </header>
      <main id="main" class="page" tabIndex={-1}>
        <Page route={route} app={app} key={route.path} />
      </main>
      <div class="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </div>
      <footer class="site-footer">
        <p class="muted">
          Matchday development build. Payments go to a local test provider: use the test card 4242 4242 4242
          4242.
        </p>
      </footer>
    </AppContext.Provider>
  );
}

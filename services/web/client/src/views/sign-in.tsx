import { useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { ApiError } from '../lib/api';
import type { Role } from '../lib/auth';
import { useAction } from '../lib/hooks';
import { ErrorText, PageTitle } from '../ui';

const ROLES: { role: Role; label: string }[] = [
  { role: 'fan', label: 'Fan' },
  { role: 'support', label: 'Support' },
  { role: 'admin', label: 'Admin' },
];

/**
 * Development sign-in: the gateway's development issuer signs a token for any user id and roles.
 * In production the identity provider's login replaces this page.
 */
export function SignIn({ reason }: { reason?: string }) {
  const { signIn, identity } = useApp();
  const [userId, setUserId] = useState(identity?.userId ?? '');
  const [roles, setRoles] = useState<Role[]>(identity?.roles ?? ['fan']);
  const action = useAction();
  const [invalid, setInvalid] = useState<string | undefined>();

  const submit = (e: Event) => {
    e.preventDefault();
    const id = userId.trim();
    if (!/^[A-Za-z0-9._:-]{1,100}$/.test(id)) {
      setInvalid('Use letters, digits, dots, dashes, colons or underscores (up to 100).');
      return;
    }
    if (roles.length === 0) {
      setInvalid('Choose at least one role.');
      return;
    }
    setInvalid(undefined);
    void action.run(async () => {
      try {
        await signIn(id, roles);
      } catch (err) {
        // Production gateways have no development issuer.
        if (err instanceof ApiError && err.status === 404) {
          throw new ApiError(
            404,
            err.problem,
            'Development sign-in is turned off here. Sign in through your identity provider.',
          );
        }
        throw err;
      }
      if (location.hash.startsWith('#/signin')) {
        const next = new URLSearchParams(location.hash.split('?')[1] ?? '').get('next');
        location.hash = next && next.startsWith('/') ? `#${next}` : '#/';
      }
    });
  };

  const toggle = (role: Role, on: boolean) =>
    setRoles((rs) => (on ? [...new Set([...rs, role])] : rs.filter((r) => r !== role)));

  return (
    <section class="card narrow">
      <PageTitle>Sign in</PageTitle>
      {reason && <p>{reason}</p>}
      <p class="muted">Development sign-in: choose any user id and the roles to act with.</p>
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="signin-user">User id</label>
          <input
            id="signin-user"
            name="userId"
            autoComplete="username"
            required
            value={userId}
            aria-invalid={invalid ? 'true' : undefined}
            aria-describedby={invalid ? 'signin-invalid' : undefined}
            onInput={(e) => setUserId(e.currentTarget.value)}
          />
        </div>
        <fieldset class="field">
          <legend>Roles</legend>
          {ROLES.map(({ role, label }) => (
            <label class="check" key={role}>
              <input
                type="checkbox"
                name="roles"
                value={role}
                checked={roles.includes(role)}
                onChange={(e) => toggle(role, e.currentTarget.checked)}
              />{' '}
              {label}
            </label>
          ))}
        </fieldset>
        <ErrorText message={invalid} id="signin-invalid" />
        <ErrorText message={action.error} />
        <button type="submit" disabled={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}

import { useApp } from '../app-context';
import { isAdmin, isStaff } from '../lib/auth';
import { href } from '../lib/router';
import { PageTitle } from '../ui';
import { OpsBooking } from './booking-detail';
import { DeadLetters } from './dead-letters';
import { FraudReviews } from './fraud-reviews';
import { Health } from './health';
import { OpsMatches } from './matches';
import { Reconciliation, ReconciliationRun } from './reconciliation';
import { Search } from './search';

const SECTIONS: { id: string; label: string; adminOnly?: boolean }[] = [
  { id: 'matches', label: 'Matches' },
  { id: 'search', label: 'Bookings and payments' },
  { id: 'fraud', label: 'Fraud reviews' },
  { id: 'reconciliation', label: 'Reconciliation', adminOnly: true },
  { id: 'dlq', label: 'Dead letters', adminOnly: true },
  { id: 'health', label: 'Breakers and providers', adminOnly: true },
];

/** The operations console for support and admin staff (`#/ops/<section>`). */
export function OpsConsole({ section, id }: { section: string | undefined; id: string | undefined }) {
  const { identity } = useApp();
  if (!isStaff(identity)) {
    return (
      <>
        <PageTitle>Operations</PageTitle>
        <p>The operations console is for support and admin staff. Sign in with the support or admin role.</p>
      </>
    );
  }
  const current = section ?? 'matches';
  const visible = SECTIONS.filter((s) => !s.adminOnly || isAdmin(identity));
  return (
    <div class="ops">
      <nav aria-label="Operations" class="ops-nav">
        <ul>
          {visible.map((s) => (
            <li key={s.id}>
              <a
                href={href('ops', s.id)}
                aria-current={
                  current === s.id || (current === 'bookings' && s.id === 'search') ? 'page' : undefined
                }
              >
                {s.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="ops-body">
        {current === 'matches' && <OpsMatches />}
        {current === 'search' && <Search />}
        {current === 'bookings' && id && <OpsBooking bookingId={id} />}
        {current === 'fraud' && <FraudReviews />}
        {current === 'reconciliation' && (id ? <ReconciliationRun runId={id} /> : <Reconciliation />)}
        {current === 'dlq' && <DeadLetters />}
        {current === 'health' && <Health />}
        {!SECTIONS.some((s) => s.id === current) && current !== 'bookings' && (
          <PageTitle>Unknown section</PageTitle>
        )}
      </div>
    </div>
  );
}

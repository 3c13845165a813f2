import { useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { isAdmin } from '../lib/auth';
import { formatDateTime, formatMoney } from '../lib/format';
import { useAction, useLoad } from '../lib/hooks';
import { isObject, type Json, listOf, num, obj, str } from '../lib/json';
import { href } from '../lib/router';
import { Countdown, ErrorText, Loading, Notice, PageTitle } from '../ui';

/** One reason behind a risk score: `Five bookings from one card in an hour (velocity, +30)`. */
export function reasonText(r: unknown): string {
  if (typeof r === 'string') return r;
  if (!isObject(r)) return String(r);
  const detail = str(r, 'detail', 'message', 'description');
  const rule = str(r, 'rule', 'code', 'name');
  const weight = num(r, 'weight', 'score');
  const tail = [rule, weight !== undefined ? `${weight >= 0 ? '+' : ''}${weight}` : undefined]
    .filter(Boolean)
    .join(', ');
  return detail ? (tail ? `${detail} (${tail})` : detail) : tail || JSON.stringify(r);
}

interface Review {
  id: string;
  bookingId?: string;
  userId?: string;
  score?: number;
  amount?: number;
  currency?: string;
  reasons: unknown[];
  createdAt?: string;
  deadline?: string;
}

function toReview(raw: Json): Review {
  const review = obj(raw.review);
  return {
    id: str(raw, 'reviewId', 'id', 'assessmentId') ?? '',
    bookingId: str(raw, 'bookingId'),
    userId: str(raw, 'userId'),
    score: num(raw, 'score'),
    amount: num(raw, 'amount'),
    currency: str(raw, 'currency'),
    reasons: Array.isArray(raw.reasons) ? raw.reasons : [],
    createdAt: str(raw, 'createdAt'),
    deadline: str(raw, 'deadline', 'reviewDeadline') ?? str(review, 'deadline'),
  };
}

/** The fraud review queue: each case with the reasons behind its score, approved or rejected by an admin. */
export function FraudReviews() {
  const { api } = useApp();
  const reviews = useLoad(
    async (signal) => listOf(await api.get('/v1/admin/fraud/reviews', { signal }), 'reviews').map(toReview),
    [],
    10000,
  );
  const [done, setDone] = useState<string | undefined>();
  return (
    <>
      <PageTitle>Fraud reviews</PageTitle>
      <p class="muted">
        Bookings whose risk score asks for a person. A review left open past its deadline is blocked
        automatically.
      </p>
      {done && <Notice tone="success">{done}</Notice>}
      {reviews.loading && !reviews.data && <Loading what="the review queue" />}
      <ErrorText message={reviews.error} />
      {reviews.data && reviews.data.length === 0 && <p>The review queue is empty.</p>}
      <ul class="plain review-list">
        {(reviews.data ?? []).map((r) => (
          <ReviewCard
            key={r.id}
            review={r}
            onResolved={(s) => {
              setDone(s);
              reviews.reload();
            }}
          />
        ))}
      </ul>
    </>
  );
}

function ReviewCard({ review: r, onResolved }: { review: Review; onResolved: (s: string) => void }) {
  const { api, identity } = useApp();
  const [note, setNote] = useState('');
  const action = useAction();
  const resolve = (decision: 'allow' | 'block') =>
    action.run(async () => {
      await api.post(`/v1/admin/fraud/reviews/${encodeURIComponent(r.id)}/resolve`, {
        decision,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      onResolved(`Booking ${r.bookingId ?? r.id} was ${decision === 'allow' ? 'approved' : 'rejected'}.`);
    });
  const headingId = `review-${r.id}`;
  return (
    <li class="card" aria-labelledby={headingId} data-testid="fraud-review">
      <h2 id={headingId}>
        Booking {r.bookingId ? <a href={href('ops', 'bookings', r.bookingId)}>{r.bookingId}</a> : '—'}
      </h2>
      <p>
        Risk score <strong>{r.score ?? '—'}</strong>
        {r.userId && <> · user {r.userId}</>}
        {r.amount !== undefined && r.currency && <> · {formatMoney(r.amount, r.currency)}</>}
        {r.createdAt && <> · {formatDateTime(r.createdAt)}</>}
      </p>
      {r.deadline && <Countdown until={r.deadline} label="Blocks automatically in" />}
      <h3>Reasons</h3>
      <ul data-testid="fraud-reasons">
        {r.reasons.length === 0 && <li>No reasons recorded.</li>}
        {r.reasons.map((reason, i) => (
          <li key={i}>{reasonText(reason)}</li>
        ))}
      </ul>
      {isAdmin(identity) && (
        <>
          <div class="field">
            <label for={`note-${r.id}`}>Note (optional)</label>
            <textarea
              id={`note-${r.id}`}
              rows={2}
              value={note}
              onInput={(e) => setNote(e.currentTarget.value)}
            />
          </div>
          <ErrorText message={action.error} />
          <div class="actions">
            <button type="button" disabled={action.busy} onClick={() => void resolve('allow')}>
              Approve<span class="visually-hidden"> booking {r.bookingId}</span>
            </button>
            <button type="button" class="danger" disabled={action.busy} onClick={() => void resolve('block')}>
              Reject<span class="visually-hidden"> booking {r.bookingId}</span>
            </button>
          </div>
        </>
      )}
    </li>
  );
}

import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { countdownWords, formatCountdown, formatMoney } from './lib/format';
import { useSecondsLeft } from './lib/hooks';

/** A page's heading; it takes focus when the page opens so screen readers start there. */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: false });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

/** A refusal or failure, read out at once. */
export function ErrorText({ message, id }: { message: string | undefined; id?: string }) {
  if (!message) return null;
  return (
    <p class="error" role="alert" id={id}>
      {message}
    </p>
  );
}

/** News that does not interrupt (saved, joined the queue, …). */
export function Notice({
  children,
  tone = 'info',
}: {
  children: ComponentChildren;
  tone?: 'info' | 'success' | 'warning';
}) {
  return (
    <div class={`notice notice-${tone}`} role="status">
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Money({ minor, currency }: { minor: number | undefined; currency: string }) {
  if (minor === undefined) return <span>—</span>;
  return <span>{formatMoney(minor, currency)}</span>;
}

/**
 * A visible countdown. The digits change every second without being read out; screen readers
 * get the time left in words when it crosses each minute (and in the last 10 seconds).
 */
export function Countdown({
  until,
  label,
  onExpired,
}: {
  until: string | undefined;
  label: string;
  onExpired?: () => void;
}) {
  const left = useSecondsLeft(until);
  const fired = useRef(false);
  useEffect(() => {
    if (left === 0 && !fired.current) {
      fired.current = true;
      onExpired?.();
    }
  }, [left]);
  if (left === undefined) return null;
  const spoken = left % 60 === 0 || left <= 10 ? `${label}: ${countdownWords(left)}` : undefined;
  return (
    <div class={`countdown${left <= 60 ? ' countdown-urgent' : ''}`}>
      <span class="countdown-label">{label}</span>{' '}
      <span class="countdown-time" role="timer" aria-live="off" data-testid="countdown">
        {formatCountdown(left)}
      </span>
      <span class="visually-hidden" aria-live="polite">
        {spoken}
      </span>
    </div>
  );
}

export function StatusBadge({ status, children }: { status: string; children: ComponentChildren }) {
  return <span class={`badge badge-${status.toLowerCase().replace(/[^a-z]+/g, '-')}`}>{children}</span>;
}

/** A definition list from label/value pairs, skipping empty values. */
export function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {items
        .filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
    </dl>
  );
}

/** Copies a link and says so. */
export function CopyLink({ url, label }: { url: string; label: string }) {
  return (
    <span class="copy-link">
      <a href={url}>{label}</a>{' '}
      <button
        type="button"
        class="button-small"
        onClick={() => void navigator.clipboard?.writeText(url).catch(() => undefined)}
        aria-label={`Copy ${label}`}
      >
        Copy
      </button>
    </span>
  );
}

/** A wide table that scrolls sideways on small screens; keyboard users can focus and scroll it. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

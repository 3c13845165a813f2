/** Minor units → a localised amount: `formatMoney(4250, 'EUR')` → `€42.50`. */
export function formatMoney(minor: number, currency: string, locale?: string): string {
  try {
    const fmt = new Intl.NumberFormat(locale, { style: 'currency', currency });
    const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
    return fmt.format(minor / 10 ** digits);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** How many minor units one major unit of `currency` has (100 for EUR, 1 for JPY). */
export function minorPerMajor(currency: string): number {
  try {
    const digits =
      new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits ?? 2;
    return 10 ** digits;
  } catch {
    return 100;
  }
}

/** Seconds → `m:ss` (or `h:mm:ss`), never negative. */
export function formatCountdown(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Countdown in words for screen readers: `9 minutes 5 seconds`. */
export function countdownWords(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const m = Math.floor(s / 60);
  const sec = s % 60;
  const parts = [];
  if (m > 0) parts.push(`${m} minute${m === 1 ? '' : 's'}`);
  if (sec > 0 || m === 0) parts.push(`${sec} second${sec === 1 ? '' : 's'}`);
  return parts.join(' ');
}

export function formatDateTime(iso: string | undefined, locale?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A value for `<input type="datetime-local">` in the browser's time zone. */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Human wording of a booking or payment status (`PENDING_PAYMENT` → `Waiting for payment`). */
export function statusLabel(status: string | undefined): string {
  const labels: Record<string, string> = {
    PENDING_PAYMENT: 'Waiting for payment',
    CONFIRMED: 'Confirmed',
    CANCELLED: 'Cancelled',
    EXPIRED: 'Expired',
    PAYMENT_FAILED: 'Payment failed',
    DISPUTED: 'Disputed',
    REVERSED: 'Reversed',
    ACTIVE: 'Held',
    RELEASED: 'Released',
    CONVERTED: 'Checked out',
  };
  if (!status) return 'Unknown';
  return labels[status] ?? status.charAt(0).toUpperCase() + status.slice(1).toLowerCase().replace(/_/g, ' ');
}

/** A machine reason in words: `cancelled_by_fan` → `Cancelled by fan`. */
export function reasonLabel(reason: string | undefined): string | undefined {
  if (!reason) return undefined;
  const words = reason.replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

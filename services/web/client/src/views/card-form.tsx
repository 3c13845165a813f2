import { useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { errorSentence } from '../lib/api';
import { type CardInput, cardToPaymentMethod, TEST_CARDS, groupDigits } from '../lib/cards';
import { formatMoney } from '../lib/format';
import { toPayment } from '../lib/models';
import { ErrorText } from '../ui';

const DECLINE_SENTENCES: Record<string, string> = {
  insufficient_funds: 'Your card was declined because of insufficient funds. Please try another card.',
  expired_card: 'Your card has expired. Please try another card.',
  card_declined: 'Your card was declined. Please try another card.',
  generic_decline: 'Your card was declined. Please try another card.',
};

/**
 * The sandbox's test card flow: the fan types a test card, the browser maps it to the provider's
 * test payment method and confirms the payment share through the gateway. No card data is sent.
 */
export function CardForm({
  paymentId,
  amount,
  currency,
  onPaid,
}: {
  paymentId: string;
  amount?: number;
  currency: string;
  onPaid: () => void;
}) {
  const { api, announce } = useApp();
  const [card, setCard] = useState<CardInput>({ number: '', expiry: '', cvc: '' });
  const [name, setName] = useState('');
  const [fieldError, setFieldError] = useState<{ field: keyof CardInput; message: string } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [needsAction, setNeedsAction] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const ids = {
    number: `card-number-${paymentId}`,
    expiry: `card-expiry-${paymentId}`,
    cvc: `card-cvc-${paymentId}`,
    name: `card-name-${paymentId}`,
  };

  const confirm = async (paymentMethod: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const p = toPayment(
        await api.post(
          `/v1/payments/${encodeURIComponent(paymentId)}/confirm`,
          { paymentMethod },
          { idempotencyKey: `confirm-${paymentId}-${paymentMethod}-${Date.now()}` },
        ),
      );
      const status = p.status.toLowerCase();
      if (status === 'requires_action') {
        setNeedsAction(paymentMethod);
        return;
      }
      if (status === 'failed' || status === 'declined' || status === 'requires_payment_method') {
        setError(
          DECLINE_SENTENCES[p.failureReason ?? ''] ?? 'Your card was declined. Please try another card.',
        );
        return;
      }
      setNeedsAction(undefined);
      announce('Payment received.');
      onPaid();
    } catch (err) {
      setError(errorSentence(err));
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const result = cardToPaymentMethod(card);
    if (!result.ok) {
      setFieldError({ field: result.field, message: result.message });
      document.getElementById(ids[result.field])?.focus();
      return;
    }
    setFieldError(undefined);
    void confirm(result.paymentMethod);
  };

  const invalid = (f: keyof CardInput) =>
    fieldError?.field === f ? { 'aria-invalid': 'true' as const, 'aria-describedby': `${ids[f]}-error` } : {};
  const fieldMessage = (f: keyof CardInput) =>
    fieldError?.field === f ? (
      <p class="error" id={`${ids[f]}-error`}>
        {fieldError.message}
      </p>
    ) : null;

  if (needsAction) {
    return (
      <div class="card-form" data-testid="card-form">
        <p>Your bank asks you to approve this payment.</p>
        <ErrorText message={error} />
        <button type="button" disabled={busy} onClick={() => void confirm(needsAction)}>
          Approve the payment
        </button>
      </div>
    );
  }

  return (
    <form class="card-form" onSubmit={submit} noValidate data-testid="card-form" aria-label="Pay by card">
      <div class="field">
        <label for={ids.name}>Name on card</label>
        <input
          id={ids.name}
          autoComplete="cc-name"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for={ids.number}>Card number</label>
        <input
          id={ids.number}
          inputMode="numeric"
          autoComplete="cc-number"
          required
          value={card.number}
          placeholder="4242 4242 4242 4242"
          {...invalid('number')}
          onInput={(e) => setCard({ ...card, number: e.currentTarget.value })}
        />
        {fieldMessage('number')}
      </div>
      <div class="field-row">
        <div class="field">
          <label for={ids.expiry}>Expiry (MM/YY)</label>
          <input
            id={ids.expiry}
            inputMode="numeric"
            autoComplete="cc-exp"
            required
            value={card.expiry}
            placeholder="12/34"
            {...invalid('expiry')}
            onInput={(e) => setCard({ ...card, expiry: e.currentTarget.value })}
          />
          {fieldMessage('expiry')}
        </div>
        <div class="field">
          <label for={ids.cvc}>Security code</label>
          <input
            id={ids.cvc}
            inputMode="numeric"
            autoComplete="cc-csc"
            required
            value={card.cvc}
            placeholder="123"
            {...invalid('cvc')}
            onInput={(e) => setCard({ ...card, cvc: e.currentTarget.value })}
          />
          {fieldMessage('cvc')}
        </div>
      </div>
      <ErrorText message={error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Paying…' : amount !== undefined ? `Pay ${formatMoney(amount, currency)}` : 'Pay'}
      </button>
      <details class="test-cards">
        <summary>Test cards</summary>
        <ul>
          {TEST_CARDS.map((c) => (
            <li key={c.number}>
              <code>{groupDigits(c.number)}</code>: {c.label}
            </li>
          ))}
        </ul>
        <p class="hint">Any future expiry date and any 3 digit security code.</p>
      </details>
    </form>
  );
}

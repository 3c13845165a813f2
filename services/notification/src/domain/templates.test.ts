import { renderMessage, supportedLocale } from './templates';

describe('templates', () => {
  const ctx = {
    matchTitle: 'Lions & Tigers',
    kickoffAt: '2026-12-05T19:30:00Z',
    previousKickoffAt: '2026-12-04T19:30:00Z',
    venue: 'Arena <North>',
  };

  it('when a match is rescheduled, then every channel says the new kick-off in the user’s language', () => {
    const en = renderMessage('match-rescheduled', 'en-GB', ctx);
    expect(en.email.subject).toBe('New date for Lions & Tigers');
    expect(en.sms.text).toMatch(
      /^Matchday: Lions & Tigers now kicks off on Saturday, 5 December 2026 at 19:30 UTC at Arena <North>/,
    );
    expect(en.push.title).toBe('Match rescheduled');
    const fr = renderMessage('match-rescheduled', 'fr', ctx);
    expect(fr.push.body).toContain('samedi 5 décembre 2026');
    const de = renderMessage('match-rescheduled', 'de-AT', ctx);
    expect(de.email.subject).toBe('Neuer Termin für Lions & Tigers');
  });

  it('when the email is rendered as HTML, then values are escaped there and only there', () => {
    const m = renderMessage('match-rescheduled', 'en', ctx);
    expect(m.email.html).toContain('Lions &amp; Tigers');
    expect(m.email.html).toContain('Arena &lt;North&gt;');
    expect(m.email.html).not.toContain('<North>');
    expect(m.email.text).toContain('Arena <North>');
  });

  it('when amounts are in minor units, then they are shown in the currency’s own format', () => {
    expect(
      renderMessage('payment-refunded', 'en', {
        amount: 12345,
        currency: 'EUR',
        reason: 'match_cancelled',
        bookingId: 'b1',
      }).push.body,
    ).toBe('We refunded €123.45 for your booking b1 (match cancelled).');
    expect(
      renderMessage('payment-refunded', 'en', { amount: 5000, currency: 'JPY', reason: 'x', bookingId: 'b1' })
        .email.subject,
    ).toBe('Refund on its way: ¥5,000');
  });

  it('when a share is quoted again, then the payer reads the new amount, the payment to confirm and until when', () => {
    const m = renderMessage('payment-requoted', 'en-GB', {
      bookingId: 'b1',
      matchTitle: 'Lions & Tigers',
      paymentId: 'p2',
      amount: 2970,
      currency: 'CHF',
      expiresAt: '2026-12-01T18:00:00Z',
    });
    expect(m.email.subject).toBe('Please confirm your new amount: Lions & Tigers');
    expect(m.push.body).toBe(
      'The exchange rate for your share of booking b1 (Lions & Tigers) moved, so nothing was charged at the old rate. Please confirm the new amount of CHF\u00a029.70 (payment p2) by Tuesday, 1 December 2026 at 18:00 UTC.',
    );
  });

  it('when a change’s extra charge failed, then every channel says the change was not made and the booking stands, in the user’s language', () => {
    const ctx = { bookingId: 'b1', matchTitle: 'Lions & Tigers', quantity: 3, reason: 'card_declined' };
    const en = renderMessage('modification-payment-failed', 'en-GB', ctx);
    expect(en.email.subject).toBe('Your booking change could not be paid');
    expect(en.push).toEqual({
      title: 'Booking change not made',
      body: 'The extra payment for the change to your booking b1 did not go through (card declined), so the change was not made. Your booking stays as it was.',
    });
    expect(en.sms.text).toBe(`Matchday: ${en.push.body}`);
    expect(en.email.text.startsWith(en.push.body)).toBe(true);
    expect(en.email.html).toContain('<h1 style="font-size:20px">Booking change not made</h1>');
    expect(renderMessage('modification-payment-failed', 'fr-CA', ctx).push.body).toBe(
      'Le paiement complémentaire pour la modification de votre réservation b1 n’a pas abouti (card declined) ; la modification n’a pas été effectuée. Votre réservation reste inchangée.',
    );
    expect(renderMessage('modification-payment-failed', 'de', ctx).email.subject).toBe(
      'Die Änderung Ihrer Buchung konnte nicht bezahlt werden',
    );
  });

  it('when a change’s extra payment did not arrive in time, then every channel says the change was not made and the booking stands, in the user’s language', () => {
    const ctx = { bookingId: 'b1', matchTitle: 'Lions & Tigers', quantity: 2 };
    const en = renderMessage('modification-expired', 'en-GB', ctx);
    expect(en.email.subject).toBe('Your booking change was not made');
    expect(en.push).toEqual({
      title: 'Booking change not made',
      body: 'The change you asked for to your booking b1 was not made because its extra payment did not arrive in time. Your booking stays as it was.',
    });
    expect(en.sms.text).toBe(`Matchday: ${en.push.body}`);
    expect(en.email.text.startsWith(en.push.body)).toBe(true);
    expect(en.email.html).toContain('<h1 style="font-size:20px">Booking change not made</h1>');
    expect(en.email.html).toContain('did not arrive in time. Your booking stays as it was.');
    const fr = renderMessage('modification-expired', 'fr-CA', ctx);
    expect(fr.push.body).toBe(
      'La modification demandée pour votre réservation b1 n’a pas été effectuée, car son paiement complémentaire n’est pas arrivé à temps. Votre réservation reste inchangée.',
    );
    expect(fr.sms.text).toBe(`Matchday: ${fr.push.body}`);
    const de = renderMessage('modification-expired', 'de', ctx);
    expect(de.email.subject).toBe('Die Änderung Ihrer Buchung wurde nicht vorgenommen');
    expect(de.push.body).toBe(
      'Die gewünschte Änderung Ihrer Buchung b1 wurde nicht vorgenommen, da die Zusatzzahlung nicht rechtzeitig eingegangen ist. Ihre Buchung bleibt unverändert.',
    );
  });

  it('when something is unknown, then the copy still reads (unknown locale → English, no title → “your match”)', () => {
    expect(supportedLocale('pt-BR')).toBe('en');
    expect(supportedLocale(undefined)).toBe('en');
    expect(renderMessage('match-cancelled', 'xx', { reason: 'weather' }).push.body).toBe(
      'your match has been cancelled (weather). Your booking will be refunded.',
    );
  });

  it('when a text is long, then the SMS stays within three segments', () => {
    const long = renderMessage('match-rescheduled', 'en', { ...ctx, venue: 'V'.repeat(800) });
    expect(long.sms.text.length).toBeLessThanOrEqual(459);
    expect(long.sms.text.endsWith('…')).toBe(true);
  });
});

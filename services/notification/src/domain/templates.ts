import Handlebars from 'handlebars';
import type { TemplateContext, TemplateId } from './catalogue';

export const LOCALES = ['en', 'fr', 'de'] as const;
export type Locale = (typeof LOCALES)[number];

/** `fr-CA` → `fr`; anything unknown → `en`. */
export function supportedLocale(locale: string | null | undefined): Locale {
  const base = (locale ?? '').toLowerCase().split(/[-_]/)[0];
  return (LOCALES as readonly string[]).includes(base ?? '') ? (base as Locale) : 'en';
}

/**
 * The locale dates and amounts are formatted in: the user's own tag when the runtime knows it
 * (`en-GB` writes 5 December 2026, 19:30), else the language of the copy.
 */
export function formattingLocale(tag: string | null | undefined): string {
  const key = tag ?? '';
  let locale = formatting.get(key);
  if (locale === undefined) {
    locale = resolveFormatting(tag);
    if (formatting.size > 1000) formatting.clear();
    formatting.set(key, locale);
  }
  return locale;
}

const formatting = new Map<string, string>();

function resolveFormatting(tag: string | null | undefined): string {
  const base = supportedLocale(tag);
  if (!tag) return base;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.replace('_', '-'));
    if (
      canonical &&
      canonical.toLowerCase().startsWith(base) &&
      Intl.DateTimeFormat.supportedLocalesOf([canonical]).length > 0
    ) {
      return canonical;
    }
  } catch {
    // not a well-formed tag
  }
  return base;
}

/** One message in one language: the email subject, the push title and the body every channel shares. */
interface Copy {
  subject: string;
  title: string;
  body: string;
}

/** The rendered message for every channel. */
export interface RenderedMessage {
  email: { subject: string; html: string; text: string };
  sms: { text: string };
  push: { title: string; body: string };
}

const COPY: Record<TemplateId, Record<Locale, Copy>> = {
  'booking-confirmed': {
    en: {
      subject: 'Booking confirmed: {{match}}',
      title: 'Booking confirmed',
      body: 'Your booking of {{quantity}} place(s) for {{match}} on {{kickoff}} is confirmed. Total paid: {{amount}}.',
    },
    fr: {
      subject: 'Réservation confirmée : {{match}}',
      title: 'Réservation confirmée',
      body: 'Votre réservation de {{quantity}} place(s) pour {{match}} le {{kickoff}} est confirmée. Total payé : {{amount}}.',
    },
    de: {
      subject: 'Buchung bestätigt: {{match}}',
      title: 'Buchung bestätigt',
      body: 'Ihre Buchung von {{quantity}} Platz/Plätzen für {{match}} am {{kickoff}} ist bestätigt. Bezahlt: {{amount}}.',
    },
  },
  'booking-cancelled': {
    en: {
      subject: 'Booking cancelled: {{match}}',
      title: 'Booking cancelled',
      body: 'Your booking for {{match}} was cancelled ({{reason}}). Refund: {{amount}}.',
    },
    fr: {
      subject: 'Réservation annulée : {{match}}',
      title: 'Réservation annulée',
      body: 'Votre réservation pour {{match}} a été annulée ({{reason}}). Remboursement : {{amount}}.',
    },
    de: {
      subject: 'Buchung storniert: {{match}}',
      title: 'Buchung storniert',
      body: 'Ihre Buchung für {{match}} wurde storniert ({{reason}}). Erstattung: {{amount}}.',
    },
  },
  'booking-expired': {
    en: {
      subject: 'Booking expired: {{match}}',
      title: 'Booking expired',
      body: 'Your booking for {{match}} expired before the payment was completed; the places were released.',
    },
    fr: {
      subject: 'Réservation expirée : {{match}}',
      title: 'Réservation expirée',
      body: 'Votre réservation pour {{match}} a expiré avant la fin du paiement ; les places ont été libérées.',
    },
    de: {
      subject: 'Buchung abgelaufen: {{match}}',
      title: 'Buchung abgelaufen',
      body: 'Ihre Buchung für {{match}} ist abgelaufen, bevor die Zahlung abgeschlossen war; die Plätze wurden freigegeben.',
    },
  },
  'booking-reversed': {
    en: {
      subject: 'Booking withdrawn: {{match}}',
      title: 'Booking withdrawn',
      body: 'Your booking for {{match}} was withdrawn because the payment of {{amount}} was reversed ({{reason}}).',
    },
    fr: {
      subject: 'Réservation retirée : {{match}}',
      title: 'Réservation retirée',
      body: 'Votre réservation pour {{match}} a été retirée car le paiement de {{amount}} a été annulé ({{reason}}).',
    },
    de: {
      subject: 'Buchung zurückgezogen: {{match}}',
      title: 'Buchung zurückgezogen',
      body: 'Ihre Buchung für {{match}} wurde zurückgezogen, weil die Zahlung von {{amount}} rückgängig gemacht wurde ({{reason}}).',
    },
  },
  'transfer-requested': {
    en: {
      subject: 'A booking is waiting for you: {{match}}',
      title: 'Booking offered to you',
      body: 'A booking for {{match}} is being transferred to you. Open Matchday to accept it.',
    },
    fr: {
      subject: 'Une réservation vous attend : {{match}}',
      title: 'Réservation proposée',
      body: 'Une réservation pour {{match}} vous est transférée. Ouvrez Matchday pour l’accepter.',
    },
    de: {
      subject: 'Eine Buchung wartet auf Sie: {{match}}',
      title: 'Buchung angeboten',
      body: 'Eine Buchung für {{match}} wird an Sie übertragen. Öffnen Sie Matchday, um sie anzunehmen.',
    },
  },
  'transfer-accepted': {
    en: {
      subject: 'Booking transferred: {{match}}',
      title: 'Booking transferred',
      body: 'The transfer of booking {{bookingId}} for {{match}} was accepted.',
    },
    fr: {
      subject: 'Réservation transférée : {{match}}',
      title: 'Réservation transférée',
      body: 'Le transfert de la réservation {{bookingId}} pour {{match}} a été accepté.',
    },
    de: {
      subject: 'Buchung übertragen: {{match}}',
      title: 'Buchung übertragen',
      body: 'Die Übertragung der Buchung {{bookingId}} für {{match}} wurde angenommen.',
    },
  },
  'match-rescheduled': {
    en: {
      subject: 'New date for {{match}}',
      title: 'Match rescheduled',
      body: '{{match}} now kicks off on {{kickoff}}{{#if venue}} at {{venue}}{{/if}} (was {{previousKickoff}}). Your booking stays valid.',
    },
    fr: {
      subject: 'Nouvelle date pour {{match}}',
      title: 'Match reprogrammé',
      body: '{{match}} commence désormais le {{kickoff}}{{#if venue}} à {{venue}}{{/if}} (au lieu du {{previousKickoff}}). Votre réservation reste valable.',
    },
    de: {
      subject: 'Neuer Termin für {{match}}',
      title: 'Spiel verlegt',
      body: '{{match}} beginnt jetzt am {{kickoff}}{{#if venue}} in {{venue}}{{/if}} (statt {{previousKickoff}}). Ihre Buchung bleibt gültig.',
    },
  },
  'match-cancelled': {
    en: {
      subject: 'Cancelled: {{match}}',
      title: 'Match cancelled',
      body: '{{match}} has been cancelled ({{reason}}). Your booking will be refunded.',
    },
    fr: {
      subject: 'Annulé : {{match}}',
      title: 'Match annulé',
      body: '{{match}} a été annulé ({{reason}}). Votre réservation sera remboursée.',
    },
    de: {
      subject: 'Abgesagt: {{match}}',
      title: 'Spiel abgesagt',
      body: '{{match}} wurde abgesagt ({{reason}}). Ihre Buchung wird erstattet.',
    },
  },
  'payment-failed': {
    en: {
      subject: 'Payment failed: {{match}}',
      title: 'Payment failed',
      body: 'The payment for your booking {{bookingId}} did not go through ({{reason}}).',
    },
    fr: {
      subject: 'Échec du paiement : {{match}}',
      title: 'Échec du paiement',
      body: 'Le paiement de votre réservation {{bookingId}} n’a pas abouti ({{reason}}).',
    },
    de: {
      subject: 'Zahlung fehlgeschlagen: {{match}}',
      title: 'Zahlung fehlgeschlagen',
      body: 'Die Zahlung für Ihre Buchung {{bookingId}} ist nicht durchgegangen ({{reason}}).',
    },
  },
  // The booking's places and match in this service's projection may still follow the change
  // (booking.modified moves them when the change is asked for; the modification.dropped booking
  // publishes on this failure, on another topic, moves them back), so the copy names the booking,
  // not what it holds.
  'modification-payment-failed': {
    en: {
      subject: 'Your booking change could not be paid',
      title: 'Booking change not made',
      body: 'The extra payment for the change to your booking {{bookingId}} did not go through ({{reason}}), so the change was not made. Your booking stays as it was.',
    },
    fr: {
      subject: 'La modification de votre réservation n’a pas pu être payée',
      title: 'Modification non effectuée',
      body: 'Le paiement complémentaire pour la modification de votre réservation {{bookingId}} n’a pas abouti ({{reason}}) ; la modification n’a pas été effectuée. Votre réservation reste inchangée.',
    },
    de: {
      subject: 'Die Änderung Ihrer Buchung konnte nicht bezahlt werden',
      title: 'Buchungsänderung nicht durchgeführt',
      body: 'Die Zusatzzahlung für die Änderung Ihrer Buchung {{bookingId}} ist nicht durchgegangen ({{reason}}), daher wurde die Änderung nicht vorgenommen. Ihre Buchung bleibt unverändert.',
    },
  },
  // Named by the booking, not what it holds, like modification-payment-failed: the change lapsed
  // and the booking keeps its match and places, whichever the fan had before asking.
  'modification-expired': {
    en: {
      subject: 'Your booking change was not made',
      title: 'Booking change not made',
      body: 'The change you asked for to your booking {{bookingId}} was not made because its extra payment did not arrive in time. Your booking stays as it was.',
    },
    fr: {
      subject: 'La modification de votre réservation n’a pas été effectuée',
      title: 'Modification non effectuée',
      body: 'La modification demandée pour votre réservation {{bookingId}} n’a pas été effectuée, car son paiement complémentaire n’est pas arrivé à temps. Votre réservation reste inchangée.',
    },
    de: {
      subject: 'Die Änderung Ihrer Buchung wurde nicht vorgenommen',
      title: 'Buchungsänderung nicht durchgeführt',
      body: 'Die gewünschte Änderung Ihrer Buchung {{bookingId}} wurde nicht vorgenommen, da die Zusatzzahlung nicht rechtzeitig eingegangen ist. Ihre Buchung bleibt unverändert.',
    },
  },
  'payment-refunded': {
    en: {
      subject: 'Refund on its way: {{amount}}',
      title: 'Refund issued',
      body: 'We refunded {{amount}} for your booking {{bookingId}} ({{reason}}).',
    },
    fr: {
      subject: 'Remboursement en cours : {{amount}}',
      title: 'Remboursement effectué',
      body: 'Nous avons remboursé {{amount}} pour votre réservation {{bookingId}} ({{reason}}).',
    },
    de: {
      subject: 'Erstattung unterwegs: {{amount}}',
      title: 'Erstattung veranlasst',
      body: 'Wir haben {{amount}} für Ihre Buchung {{bookingId}} erstattet ({{reason}}).',
    },
  },
  'payment-reversed': {
    en: {
      subject: 'Payment reversed: {{amount}}',
      title: 'Payment reversed',
      body: 'Your bank reversed the payment of {{amount}} for booking {{bookingId}} ({{reason}}). The booking is no longer valid.',
    },
    fr: {
      subject: 'Paiement annulé : {{amount}}',
      title: 'Paiement annulé',
      body: 'Votre banque a annulé le paiement de {{amount}} pour la réservation {{bookingId}} ({{reason}}). La réservation n’est plus valable.',
    },
    de: {
      subject: 'Zahlung rückgängig gemacht: {{amount}}',
      title: 'Zahlung rückgängig',
      body: 'Ihre Bank hat die Zahlung von {{amount}} für die Buchung {{bookingId}} rückgängig gemacht ({{reason}}). Die Buchung ist nicht mehr gültig.',
    },
  },
  'payment-requoted': {
    en: {
      subject: 'Please confirm your new amount: {{match}}',
      title: 'New amount to confirm',
      body: 'The exchange rate for your share of booking {{bookingId}} ({{match}}) moved, so nothing was charged at the old rate. Please confirm the new amount of {{amount}} (payment {{paymentId}}) by {{expires}}.',
    },
    fr: {
      subject: 'Confirmez votre nouveau montant : {{match}}',
      title: 'Nouveau montant à confirmer',
      body: 'Le taux de change de votre part de la réservation {{bookingId}} ({{match}}) a évolué ; rien n’a été débité à l’ancien taux. Merci de confirmer le nouveau montant de {{amount}} (paiement {{paymentId}}) avant le {{expires}}.',
    },
    de: {
      subject: 'Bitte bestätigen Sie Ihren neuen Betrag: {{match}}',
      title: 'Neuer Betrag zu bestätigen',
      body: 'Der Wechselkurs für Ihren Anteil an der Buchung {{bookingId}} ({{match}}) hat sich geändert; zum alten Kurs wurde nichts belastet. Bitte bestätigen Sie den neuen Betrag von {{amount}} (Zahlung {{paymentId}}) bis {{expires}}.',
    },
  },
  'dispute-opened': {
    en: {
      subject: 'Payment disputed: {{amount}}',
      title: 'Payment disputed',
      body: 'The payment of {{amount}} for booking {{bookingId}} is disputed ({{reason}}). The booking is on hold until the dispute is settled.',
    },
    fr: {
      subject: 'Paiement contesté : {{amount}}',
      title: 'Paiement contesté',
      body: 'Le paiement de {{amount}} pour la réservation {{bookingId}} est contesté ({{reason}}). La réservation est suspendue jusqu’à la résolution.',
    },
    de: {
      subject: 'Zahlung angefochten: {{amount}}',
      title: 'Zahlung angefochten',
      body: 'Die Zahlung von {{amount}} für die Buchung {{bookingId}} wird angefochten ({{reason}}). Die Buchung ruht bis zur Klärung.',
    },
  },
  'fraud-blocked': {
    en: {
      subject: 'We could not accept your booking',
      title: 'Booking not accepted',
      body: 'We could not accept your booking {{bookingId}}. Nothing was charged; contact support if you think this is a mistake.',
    },
    fr: {
      subject: 'Nous n’avons pas pu accepter votre réservation',
      title: 'Réservation refusée',
      body: 'Nous n’avons pas pu accepter votre réservation {{bookingId}}. Rien n’a été débité ; contactez le support en cas d’erreur.',
    },
    de: {
      subject: 'Wir konnten Ihre Buchung nicht annehmen',
      title: 'Buchung abgelehnt',
      body: 'Wir konnten Ihre Buchung {{bookingId}} nicht annehmen. Es wurde nichts belastet; wenden Sie sich bei einem Irrtum an den Support.',
    },
  },
};

const YOUR_MATCH: Record<Locale, string> = { en: 'your match', fr: 'votre match', de: 'Ihr Spiel' };
const UNKNOWN: Record<Locale, string> = { en: 'unknown', fr: 'inconnu', de: 'unbekannt' };
const FOOTER: Record<Locale, string> = {
  en: 'You receive this message because you booked with Matchday.',
  fr: 'Vous recevez ce message car vous avez réservé avec Matchday.',
  de: 'Sie erhalten diese Nachricht, weil Sie bei Matchday gebucht haben.',
};

const LAYOUT = `<!doctype html>
<html lang="{{locale}}"><head><meta charset="utf-8"><title>{{subject}}</title></head>
<body style="font-family:sans-serif;line-height:1.5">
<h1 style="font-size:20px">{{title}}</h1>
<p>{{body}}</p>
<p style="color:#666;font-size:12px">{{footer}}</p>
</body></html>`;

/** Values as the copy shows them, formatted for the locale. */
type View = Record<string, string | number | undefined>;

// Building an Intl formatter costs about a millisecond; formatting with one, microseconds.
const timeFormats = new Map<string, Intl.DateTimeFormat>();
const moneyFormats = new Map<string, { format: Intl.NumberFormat; digits: number }>();

function cached<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    if (cache.size > 1000) cache.clear();
    cache.set(key, v);
  }
  return v;
}

function formatTime(iso: string | undefined, locale: string): string | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return undefined;
  const f = cached(
    timeFormats,
    locale,
    () => new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' }),
  );
  return `${f.format(d)} UTC`;
}

function formatMoney(
  minor: number | undefined,
  currency: string | undefined,
  locale: string,
): string | undefined {
  if (minor === undefined || !currency) return undefined;
  const { format, digits } = cached(moneyFormats, `${locale}|${currency}`, () => {
    const f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    return { format: f, digits: f.resolvedOptions().maximumFractionDigits ?? 2 };
  });
  return format.format(minor / 10 ** digits);
}

function viewOf(ctx: TemplateContext, locale: Locale, format: string): View {
  return {
    match: ctx.matchTitle ?? YOUR_MATCH[locale],
    kickoff: formatTime(ctx.kickoffAt, format) ?? UNKNOWN[locale],
    previousKickoff: formatTime(ctx.previousKickoffAt, format) ?? UNKNOWN[locale],
    venue: ctx.venue,
    amount: formatMoney(ctx.amount, ctx.currency, format) ?? UNKNOWN[locale],
    quantity: ctx.quantity,
    bookingId: ctx.bookingId,
    reason: ctx.reason?.replace(/_/g, ' ') ?? UNKNOWN[locale],
    paymentId: ctx.paymentId,
    expires: formatTime(ctx.expiresAt, format) ?? UNKNOWN[locale],
  };
}

// Copy is plain text (no escaping: an ampersand in a match title stays one in SMS and push); the
// HTML layout escapes everything it inserts.
const plain = Handlebars.create();
const html = Handlebars.create();
const compiledPlain = new Map<string, HandlebarsTemplateDelegate<View>>();
const layout = html.compile<Record<string, string>>(LAYOUT, { strict: false });

function compile(source: string): HandlebarsTemplateDelegate<View> {
  let t = compiledPlain.get(source);
  if (!t) {
    t = plain.compile<View>(source, { noEscape: true });
    compiledPlain.set(source, t);
  }
  return t;
}

/** SMS bodies are kept within 3 concatenated GSM segments (459 characters). */
const SMS_MAX = 459;

/** Renders a notification for every channel in the user's locale (unknown locales fall back to English). */
export function renderMessage(
  template: TemplateId,
  localeTag: string | null | undefined,
  ctx: TemplateContext,
): RenderedMessage {
  const locale = supportedLocale(localeTag);
  const copy = COPY[template][locale];
  const view = viewOf(ctx, locale, formattingLocale(localeTag));
  const subject = compile(copy.subject)(view);
  const title = compile(copy.title)(view);
  const body = compile(copy.body)(view);
  const sms = `Matchday: ${body}`;
  return {
    email: {
      subject,
      html: layout({ locale, subject, title, body, footer: FOOTER[locale] }),
      text: `${body}\n\n--\n${FOOTER[locale]}`,
    },
    sms: { text: sms.length > SMS_MAX ? `${sms.slice(0, SMS_MAX - 1)}…` : sms },
    push: { title, body },
  };
}

import { z } from 'zod';

export const uuidParam = z.object({ id: z.uuid() });
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code such as EUR');
const minor = z.number().int();

export const schemas = {
  createMatch: {
    body: z.object({
      title: z.string().min(1).max(200),
      venue: z.string().min(1).max(200),
      fixtureId: z.string().min(1).max(100).optional(),
      kickoffAt: z.iso.datetime({ offset: true }),
      capacity: z.number().int().min(1).max(1_000_000),
      unitPrice: minor.min(0),
      currency,
    }),
  },
  rescheduleMatch: {
    params: uuidParam,
    body: z.object({ kickoffAt: z.iso.datetime({ offset: true }), venue: z.string().min(1).max(200).optional() }),
  },
  heat: {
    params: uuidParam,
    body: z.object({ hot: z.boolean(), admissionRatePerSecond: z.number().positive().optional() }),
  },
  cancelMatch: { params: uuidParam, body: z.object({ reason: z.string().min(1).max(500) }) },
  listMatches: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      after: z.string().optional(),
    }),
  },
  byId: { params: uuidParam },
  placeHold: { body: z.object({ matchId: z.uuid(), quantity: z.number().int().min(1) }) },
  checkout: {
    body: z.object({
      holdId: z.uuid(),
      paymentMethod: z.string().min(1).max(200).optional(),
      paymentCurrency: currency.optional(),
      payers: z
        .array(
          z.object({
            payerId: z.string().min(1).max(100).optional(),
            userId: z.string().min(1).max(100).optional(),
            amount: minor.positive(),
            paymentMethod: z.string().min(1).max(200).optional(),
            paymentCurrency: currency.optional(),
          }),
        )
        .min(1)
        .max(20)
        .optional(),
      customer: z
        .object({
          email: z.string().max(320).optional(),
          country: z.string().max(2).optional(),
          accountCreatedAt: z.iso.datetime({ offset: true }).optional(),
          cardFingerprint: z.string().max(200).optional(),
          cardCountry: z.string().max(2).optional(),
        })
        .optional(),
    }),
  },
  listBookings: {
    query: z.object({
      status: z.enum(['PENDING_PAYMENT', 'CONFIRMED', 'DISPUTED', 'EXPIRED', 'CANCELLED', 'PAYMENT_FAILED', 'REVERSED']).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(20),
      before: z.iso.datetime({ offset: true }).optional(),
    }),
  },
  cancelBooking: { params: uuidParam, body: z.object({ reason: z.string().min(1).max(200).optional() }).default({}) },
  reschedule: {
    params: uuidParam,
    body: z
      .object({
        newTime: z.iso.datetime({ offset: true }).optional(),
        newDate: z.iso.date().or(z.iso.datetime({ offset: true })).optional(),
        matchId: z.uuid().optional(),
      })
      .refine((b) => [b.newTime, b.newDate, b.matchId].filter((v) => v !== undefined).length === 1, {
        message: 'give exactly one of newTime, newDate, matchId',
      }),
  },
  quantity: { params: uuidParam, body: z.object({ quantity: z.number().int().min(1) }) },
  transfer: { params: uuidParam, body: z.object({ toUserId: z.string().regex(/^[A-Za-z0-9._:@|-]{1,100}$/) }) },
  joinWaitlist: { body: z.object({ matchId: z.uuid(), quantity: z.number().int().min(1) }) },
  session: { params: z.object({ id: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/) }) },
  adminBookings: {
    query: z.object({
      matchId: z.uuid(),
      status: z.enum(['PENDING_PAYMENT', 'CONFIRMED', 'DISPUTED', 'EXPIRED', 'CANCELLED', 'PAYMENT_FAILED', 'REVERSED']).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
      cursor: z.string().max(300).optional(),
    }),
  },
} as const;

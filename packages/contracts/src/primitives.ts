import { z } from 'zod';

export const id = z.string().min(1).max(100);
export const isoTime = z.string().datetime({ offset: true });
/** ISO 4217 code, upper case. */
export const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code such as EUR');
/** Money in the currency's minor unit (cents); never floating point. */
export const minor = z.number().int();
export const positiveInt = z.number().int().positive();

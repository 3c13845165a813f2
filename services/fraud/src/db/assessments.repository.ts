import type { Knex } from '@matchday/db';
import type { Decision, ReviewStatus, RiskReason } from '../domain';

type Q = Knex | Knex.Transaction;

export type AssessmentTrigger = 'booking_created' | 'flag';

export interface Assessment {
  id: string;
  bookingId: string;
  userId: string;
  trigger: AssessmentTrigger;
  decision: Decision;
  score: number;
  reasons: RiskReason[];
  rulesVersion: number;
  eventTime: Date;
  createdAt: Date;
  /** The booking's total, for people reading the review queue. */
  amount?: number;
  currency?: string;
  review?: {
    status: ReviewStatus;
    deadline: Date;
    resolvedBy?: string;
    resolvedAt?: Date;
    note?: string;
  };
}

interface Row {
  id: string;
  booking_id: string;
  user_id: string;
  trigger: AssessmentTrigger;
  decision: Decision;
  score: number;
  reasons: RiskReason[];
  rules_version: number;
  event_time: Date;
  created_at: Date;
  review_status: ReviewStatus | null;
  review_deadline: Date | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  resolution_note: string | null;
  amount?: string | null;
  currency?: string | null;
}

const toAssessment = (r: Row): Assessment => ({
  id: r.id,
  bookingId: r.booking_id,
  userId: r.user_id,
  trigger: r.trigger,
  decision: r.decision,
  score: r.score,
  reasons: r.reasons,
  rulesVersion: r.rules_version,
  eventTime: r.event_time,
  createdAt: r.created_at,
  ...(r.amount !== undefined && r.amount !== null && { amount: Number(r.amount) }),
  ...(r.currency !== undefined && r.currency !== null && { currency: r.currency }),
  ...(r.review_status &&
    r.review_deadline && {
      review: {
        status: r.review_status,
        deadline: r.review_deadline,
        ...(r.resolved_by !== null && { resolvedBy: r.resolved_by }),
        ...(r.resolved_at !== null && { resolvedAt: r.resolved_at }),
        ...(r.resolution_note !== null && { note: r.resolution_note }),
      },
    }),
});

export interface AssessmentsRepository {
  insert(q: Q, a: Assessment): Promise<void>;
  get(q: Q, id: string, opts?: { forUpdate?: boolean }): Promise<Assessment | undefined>;
  ofBooking(q: Q, bookingId: string): Promise<Assessment[]>;
  latestOfBooking(q: Q, bookingId: string): Promise<Assessment | undefined>;
  reviews(q: Q, filter: { status?: ReviewStatus; limit: number }): Promise<Assessment[]>;
  pendingCount(q: Q): Promise<number>;
  /** Pending reviews past their deadline, locked for this transaction; other instances skip them. */
  claimOverdue(q: Q, now: Date, limit: number): Promise<Assessment[]>;
  resolve(q: Q, id: string, r: { status: ReviewStatus; resolvedBy: string; resolvedAt: Date; note?: string }): Promise<void>;
}

export function assessmentsRepository(): AssessmentsRepository {
  return {
    async insert(q, a) {
      await q('assessments').insert({
        id: a.id,
        booking_id: a.bookingId,
        user_id: a.userId,
        trigger: a.trigger,
        decision: a.decision,
        score: a.score,
        reasons: JSON.stringify(a.reasons),
        rules_version: a.rulesVersion,
        event_time: a.eventTime,
        created_at: a.createdAt,
        review_status: a.review?.status ?? null,
        review_deadline: a.review?.deadline ?? null,
      });
    },

    async get(q, id, opts) {
      const query = q<Row>('assessments').where({ id }).first();
      if (opts?.forUpdate) query.forUpdate();
      const row = await query;
      return row ? toAssessment(row) : undefined;
    },

    async ofBooking(q, bookingId) {
      return (await q<Row>('assessments').where({ booking_id: bookingId }).orderBy('created_at', 'asc')).map(toAssessment);
    },

    async latestOfBooking(q, bookingId) {
      const row = await q<Row>('assessments').where({ booking_id: bookingId }).orderBy('created_at', 'desc').first();
      return row ? toAssessment(row) : undefined;
    },

    async reviews(q, { status, limit }) {
      const query = q<Row>('assessments as a')
        .leftJoin('bookings as b', 'b.booking_id', 'a.booking_id')
        .whereNotNull('a.review_status')
        .select('a.*', 'b.amount', 'b.currency')
        .limit(limit);
      if (status) query.where('a.review_status', status);
      query.orderBy(status === 'pending' ? 'a.review_deadline' : 'a.created_at', status === 'pending' ? 'asc' : 'desc');
      return (await query).map(toAssessment);
    },

    async pendingCount(q) {
      const row = await q('assessments').where({ review_status: 'pending' }).count<{ count: string }[]>('* as count').first();
      return Number(row?.count ?? 0);
    },

    async claimOverdue(q, now, limit) {
      const rows = await q<Row>('assessments')
        .where({ review_status: 'pending' })
        .andWhere('review_deadline', '<=', now)
        .orderBy('review_deadline')
        .limit(limit)
        .forUpdate()
        .skipLocked();
      return rows.map(toAssessment);
    },

    async resolve(q, id, r) {
      await q('assessments')
        .where({ id })
        .update({ review_status: r.status, resolved_by: r.resolvedBy, resolved_at: r.resolvedAt, resolution_note: r.note ?? null });
    },
  };
}

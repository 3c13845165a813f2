import { randomUUID } from 'node:crypto';
import { CloudEvent, Kafka, type KafkaMessage } from 'cloudevents';
import { eventSchemas, isEventType, topicOf, type EventData, type EventType } from './registry';
import type { TopicName } from './topics';

/** A platform event: CloudEvents 1.0 attributes plus typed data. */
export interface MatchdayEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  source: string;
  time: string;
  subject: string;
  data: EventData<T>;
}

/** The form an event takes on the wire and in the outbox: Kafka binary content mode. */
export interface WireMessage {
  topic: TopicName;
  key: string;
  value: string;
  headers: Record<string, string>;
}

export class ContractError extends Error {
  constructor(
    message: string,
    readonly issues: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
    this.name = 'ContractError';
  }
}

/**
 * Builds a validated event. `subject` is the aggregate id the order matters for; it becomes the
 * Kafka key, so one aggregate's events stay in one partition and in order.
 */
export function buildEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  opts: { source: string; subject: string; id?: string; time?: Date },
): MatchdayEvent<T> {
  const parsed = validateData(type, data);
  return {
    id: opts.id ?? randomUUID(),
    type,
    source: opts.source,
    time: (opts.time ?? new Date()).toISOString(),
    subject: opts.subject,
    data: parsed,
  };
}

export function validateData<T extends EventType>(type: T, data: unknown): EventData<T> {
  const schema = eventSchemas[type];
  if (!schema) throw new ContractError(`unknown event type ${type}`);
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new ContractError(
      `invalid ${type}`,
      result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return result.data as EventData<T>;
}

/** Serialises an event for Kafka (binary mode: ce_* headers, JSON value, key = subject). */
export function toWire(event: MatchdayEvent, extraHeaders: Record<string, string> = {}): WireMessage {
  const ce = new CloudEvent(
    {
      specversion: '1.0',
      id: event.id,
      type: event.type,
      source: event.source,
      time: event.time,
      subject: event.subject,
      datacontenttype: 'application/json',
      data: event.data,
    },
    // buildEvent validated the data and every attribute is ours: the library's schema check
    // (the costliest step of encoding) would only repeat that. Incoming messages stay strict.
    false,
  );
  const msg = Kafka.binary(ce);
  const headers: Record<string, string> = { ...extraHeaders };
  for (const [k, v] of Object.entries(msg.headers)) if (v !== undefined) headers[k] = String(v);
  return { topic: topicOf[event.type], key: event.subject, value: JSON.stringify(event.data), headers };
}

type HeaderValue = string | Buffer | Array<string | Buffer> | undefined;

/** Normalises Kafka headers (kafkajs gives Buffers) to strings. */
export function headersToStrings(headers: Record<string, HeaderValue> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

/**
 * Parses a Kafka message back into a validated event. Throws ContractError when it is not a
 * CloudEvent, its type is unknown, or its data breaks the contract — a poisoned message.
 */
export function fromWire(message: {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, HeaderValue>;
}): MatchdayEvent {
  const headers = headersToStrings(message.headers);
  if (!headers.ce_id || !headers.ce_type)
    throw new ContractError('not a CloudEvent: ce_id or ce_type header missing');
  if (message.value === null || message.value === undefined) throw new ContractError('empty message value');
  let ce: CloudEvent<unknown>;
  try {
    const kafkaMessage: KafkaMessage<string> = {
      key: message.key?.toString() ?? '',
      value: message.value.toString(),
      body: message.value.toString(),
      headers,
    };
    ce = Kafka.toEvent(kafkaMessage) as CloudEvent<unknown>;
  } catch (e) {
    throw new ContractError(`not a valid CloudEvent: ${(e as Error).message}`);
  }
  const type = ce.type;
  if (!isEventType(type)) throw new ContractError(`unknown event type ${type}`);
  let data: unknown = ce.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      throw new ContractError(`${type}: value is not JSON`);
    }
  }
  return {
    id: ce.id,
    type,
    source: ce.source,
    time: ce.time ?? new Date().toISOString(),
    subject: ce.subject ?? message.key?.toString() ?? '',
    data: validateData(type, data),
  };
}

/** Narrows an event to one type. */
export const isEvent = <T extends EventType>(event: MatchdayEvent, type: T): event is MatchdayEvent<T> =>
  event.type === type;

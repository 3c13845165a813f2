import { z } from 'zod';
import { topics, type TopicName } from './topics';

type Topics = typeof topics;
type EventsOf<T extends TopicName> = Topics[T]['events'];
type AllEvents = { [T in TopicName]: EventsOf<T> }[TopicName];
type UnionToIntersection<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void ? I : never;
type Catalogue = UnionToIntersection<AllEvents>;

export type EventType = keyof Catalogue & string;
export type EventData<T extends EventType> = Catalogue[T] extends z.ZodType ? z.infer<Catalogue[T]> : never;

/** Every event type's schema, flattened. */
export const eventSchemas: Record<EventType, z.ZodType> = Object.assign(
  {},
  ...Object.values(topics).map((t) => t.events),
) as Record<EventType, z.ZodType>;

/** The topic each event type is published on. */
export const topicOf: Record<EventType, TopicName> = Object.fromEntries(
  (Object.entries(topics) as Array<[TopicName, Topics[TopicName]]>).flatMap(([topic, t]) =>
    Object.keys(t.events).map((type) => [type, topic]),
  ),
) as Record<EventType, TopicName>;

export const isEventType = (type: string): type is EventType => Object.hasOwn(eventSchemas, type);

export const eventTypesOf = (topic: TopicName): EventType[] => Object.keys(topics[topic].events) as EventType[];

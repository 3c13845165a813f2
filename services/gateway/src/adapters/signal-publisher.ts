import { buildEvent, toWire } from '@matchday/contracts';
import { counter, injectTraceHeaders, type Logger } from '@matchday/observability';
import type { Producer } from 'kafkajs';
import type { SignalPublisher } from '../app/ports';


const signals = counter({
  name: 'gateway_signals_total',
  help: 'gateway.signals events, by type and outcome (published, failed)',
  labelNames: ['type', 'outcome'],
});

/**
 * Publishes straight to Kafka with the idempotent producer, without an outbox. The gateway owns
 * no database, and nothing needs to commit atomically with these events: a signal describes a
 * decision already taken and answered (a 429, a serialised change), it is advisory input for fraud
 * scoring, and losing one during a long Kafka outage changes no state anywhere. The producer
 * retries until the broker acknowledges; a send that still fails is counted and logged.
 */
export function kafkaSignalPublisher(producer: Producer, opts: { topicPrefix: string; logger: Logger }): SignalPublisher {
  const inFlight = new Set<Promise<void>>();
  return {
    publish(type, data, subject) {
      const send = (async () => {
        try {
          const event = buildEvent(type, data, { source: 'gateway', subject });
          const wire = toWire(event, injectTraceHeaders({}));
          await producer.send({
            topic: opts.topicPrefix + wire.topic,
            acks: -1,
            messages: [{ key: wire.key, value: wire.value, headers: wire.headers }],
          });
          signals.inc({ type, outcome: 'published' });
        } catch (err) {
          signals.inc({ type, outcome: 'failed' });
          opts.logger.error('gateway signal not published', { type, subject, err });
        }
      })();
      inFlight.add(send);
      void send.finally(() => inFlight.delete(send));
    },
    async flush() {
      await Promise.all([...inFlight]);
    },
  };
}

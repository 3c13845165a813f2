import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

/**
 * The process-wide Prometheus registry, with Node's default metrics (unprefixed). Every metric the
 * helpers below create lives here, and `GET /metrics` serves it.
 *
 * Names follow the OpenTelemetry semantic conventions translated to Prometheus: dots become
 * underscores and the unit and `_total` become suffixes — `http.server.request.duration` (s) is
 * `http_server_request_duration_seconds`, `booking.holds.placed` is `booking_holds_placed_total`.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const metricsContentType: string = registry.contentType;

/** The registry in the Prometheus text format. */
export function metricsText(): Promise<string> {
  return registry.metrics();
}

/** Request duration buckets in seconds (the OTel semantic-convention defaults for HTTP). */
export const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

type Config<C> = Omit<C, 'registers' | 'name' | 'help' | 'labelNames'> & {
  name: string;
  help: string;
  labelNames?: readonly string[];
};

function existing<M>(name: string, kind: new (...args: never[]) => M, kindName: string): M | undefined {
  const found = registry.getSingleMetric(name);
  if (found === undefined) return undefined;
  if (!(found instanceof kind)) throw new Error(`metric ${name} is already registered, but not as a ${kindName}`);
  return found;
}

/**
 * A counter registered under `name`, or the one already registered there: two components of one
 * process may ask for the same metric. Asking for a name held by another kind of metric throws.
 */
export function counter<L extends string = string>(
  config: Config<CounterConfiguration<L>> & { labelNames?: readonly L[] },
): Counter<L> {
  return (
    existing<Counter<L>>(config.name, Counter, 'counter') ??
    new Counter<L>({ ...config, registers: [registry] } as CounterConfiguration<L>)
  );
}

/** A histogram (default buckets: {@link DURATION_BUCKETS_SECONDS}), shared by name like {@link counter}. */
export function histogram<L extends string = string>(
  config: Config<HistogramConfiguration<L>> & { labelNames?: readonly L[] },
): Histogram<L> {
  return (
    existing<Histogram<L>>(config.name, Histogram, 'histogram') ??
    new Histogram<L>({
      buckets: DURATION_BUCKETS_SECONDS,
      ...config,
      registers: [registry],
    } as HistogramConfiguration<L>)
  );
}

/** A gauge, shared by name like {@link counter}; `collect` runs on every scrape to set its value. */
export function gauge<L extends string = string>(
  config: Config<GaugeConfiguration<L>> & { labelNames?: readonly L[] },
): Gauge<L> {
  return (
    existing<Gauge<L>>(config.name, Gauge, 'gauge') ??
    new Gauge<L>({ ...config, registers: [registry] } as GaugeConfiguration<L>)
  );
}

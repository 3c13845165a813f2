import { baseEnv, loadConfig, z } from '@matchday/config';

const origin = z
  .string()
  .url()
  .transform((u) => u.replace(/\/+$/, ''));

export const webEnv = baseEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  /** The only API the client talks to: the gateway's public origin as the browser reaches it. */
  GATEWAY_URL: origin.default('http://127.0.0.1:8080'),
  /** Where the operations console links a booking's trace (Grafana Explore and Jaeger UI). */
  GRAFANA_URL: origin.default('http://127.0.0.1:3000'),
  JAEGER_URL: origin.default('http://127.0.0.1:16686'),
  /** The built client (Vite output); default dist/client beside this package's sources or bundle. */
  STATIC_DIR: z.string().min(1).optional(),
});

export type WebConfig = Readonly<z.infer<typeof webEnv>>;

/** Reads and checks the web server's environment (fails fast, listing every problem). */
export function loadWebConfig(env: NodeJS.ProcessEnv = process.env): WebConfig {
  return loadConfig(webEnv, env);
}

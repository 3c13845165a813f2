import winston from 'winston';
import { redact, redactString } from './redact';
import { currentTraceIds } from './trace-context';

export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'debug';
export type LogFields = Record<string, unknown>;

/** The one logging interface services and packages depend on. */
export interface Logger {
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  /** Access logs: one line per HTTP request. */
  http(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line it writes. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  service: string;
  /** Default: LOG_LEVEL from the environment, else `info`. */
  level?: LogLevel;
  /** Where JSON lines go. Default: stdout. */
  destination?: NodeJS.WritableStream;
}

const MESSAGE = Symbol.for('message');
const RESERVED = new Set(['timestamp', 'level', 'service', 'msg', 'message', 'traceId', 'spanId']);

/**
 * One JSON object per line: `timestamp, level, service, msg, traceId, spanId`, then the caller's
 * fields, all redacted. Trace ids come from the span active where the log call is made.
 */
const jsonLine = winston.format((info) => {
  const { traceId, spanId } = currentTraceIds();
  const fields: LogFields = {};
  for (const [key, value] of Object.entries(info)) {
    if (!RESERVED.has(key)) fields[key] = value;
  }
  const line = {
    timestamp: new Date().toISOString(),
    level: info.level,
    service: info.service,
    msg: redactString(String(info.message)),
    ...(traceId ? { traceId, spanId } : {}),
    ...(redact(fields) as LogFields),
  };
  (info as unknown as Record<symbol, string>)[MESSAGE] = JSON.stringify(line);
  return info;
});

function wrap(w: winston.Logger): Logger {
  const write = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    // Fields first so that the winston keys (level, message) always win.
    w.log({ ...fields, level, message: msg });
  };
  return {
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    http: write('http'),
    debug: write('debug'),
    child: (fields) => wrap(w.child(fields)),
  };
}

function levelFromEnv(): LogLevel {
  const level = process.env.LOG_LEVEL;
  return level === 'error' || level === 'warn' || level === 'info' || level === 'http' || level === 'debug'
    ? level
    : 'info';
}

/** A winston logger writing redacted JSON lines. */
export function createLogger(options: LoggerOptions): Logger {
  const transport = options.destination
    ? new winston.transports.Stream({ stream: options.destination })
    : new winston.transports.Console();
  const w = winston.createLogger({
    level: options.level ?? levelFromEnv(),
    levels: winston.config.npm.levels,
    defaultMeta: { service: options.service },
    format: jsonLine(),
    transports: [transport],
  });
  return wrap(w);
}

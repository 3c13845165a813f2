import type { LogFields, Logger, LogLevel } from '@matchday/observability';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, http: 3, debug: 4 };

/**
 * Drops lines below `level` before they reach the logger, and creates child loggers only when one
 * of their lines is kept. The shared logger formats (JSON, redaction) every line it is handed and
 * filters by level only afterwards, and the HTTP skeleton makes a child logger per request: on the
 * hot path that was a formatted, discarded access-log line and a child logger per request.
 */
export function levelGate(logger: Logger, level: LogLevel): Logger {
  return gate(() => logger, RANK[level]);
}

function gate(target: () => Logger, max: number): Logger {
  const at =
    (l: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (RANK[l] <= max) target()[l](msg, fields);
    };
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    http: at('http'),
    debug: at('debug'),
    child: (fields) => {
      let created: Logger | undefined;
      return gate(() => (created ??= target().child(fields)), max);
    },
  };
}

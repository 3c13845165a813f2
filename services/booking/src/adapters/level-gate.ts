import type { LogFields, Logger, LogLevel } from '@matchday/observability';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, http: 3, debug: 4 };

/**
 * Drops lines below `level` before they reach the logger. The shared logger formats (JSON,
 * redaction) every line it is handed and filters by level only afterwards, which costs the hot
 * path a formatted access-log line per request that is then thrown away.
 */
export function levelGate(logger: Logger, level: LogLevel): Logger {
  const max = RANK[level];
  const at =
    (l: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (RANK[l] <= max) logger[l](msg, fields);
    };
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    http: at('http'),
    debug: at('debug'),
    child: (fields) => levelGate(logger.child(fields), level),
  };
}

/**
 * The broker's logger: leveled lines with a few structured fields. The default
 * writes warnings and errors to stderr; `tskafka broker` also shows info.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'nothing';

export interface BrokerLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, nothing: 4 };

/** A logger writing `LEVEL message {fields}` lines to stderr at or above `level`. */
export function consoleLogger(level: LogLevel = 'warn'): BrokerLogger {
  const at = RANK[level];
  const line = (lvl: Exclude<LogLevel, 'nothing'>, message: string, fields?: Record<string, unknown>): void => {
    if (RANK[lvl] < at) return;
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    process.stderr.write(`[tskafka broker] ${lvl.toUpperCase()} ${message}${extra}\n`);
  };
  return {
    debug: (m, f) => line('debug', m, f),
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
  };
}

/**
 * For tests of the broker under storage faults: a broker on a temporary data
 * directory that can be restarted on it, a logger that keeps what the broker
 * reports, and the Kafka error type a KafkaJS error carries (however deep).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerLogger } from '../../src/broker/logger.js';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';

/** A logged line. */
export interface LoggedLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

/** A BrokerLogger keeping every line, and the lines so far. */
export function captureLogger(): BrokerLogger & { readonly lines: LoggedLine[]; text(level?: LoggedLine['level']): string } {
  const lines: LoggedLine[] = [];
  const add =
    (level: LoggedLine['level']) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, fields });
    };
  return {
    lines,
    debug: add('debug'),
    info: add('info'),
    warn: add('warn'),
    error: add('error'),
    text: (level) =>
      lines
        .filter((l) => level === undefined || l.level === level)
        .map((l) => `${l.level} ${l.message} ${JSON.stringify(l.fields ?? {})}`)
        .join('\n'),
  };
}

/** A broker on a data directory of its own, restartable on that directory. */
export class DataDirBroker {
  readonly logDir = mkdtempSync(join(tmpdir(), 'tskafka-faults-'));
  running!: RunningBroker;

  constructor(
    readonly logger: BrokerLogger,
    readonly properties: Readonly<Record<string, string | number>> = {},
  ) {}

  /** Starts (or restarts, after {@link stop}) the broker on the directory. */
  async start(): Promise<RunningBroker> {
    this.running = await startBroker({ port: 0, logger: this.logger, properties: { ...this.properties, 'log.dirs': this.logDir } });
    return this.running;
  }

  async stop(): Promise<void> {
    await this.running.close();
  }

  /** Stops the broker if it runs and removes the directory. */
  async dispose(): Promise<void> {
    await this.running?.close().catch(() => undefined);
    rmSync(this.logDir, { recursive: true, force: true });
  }
}

/** The Kafka error type (`KAFKA_STORAGE_ERROR`, ...) a KafkaJS error carries, looking through retries and aggregates. */
export function kafkaErrorTypes(e: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visit = (x: unknown): void => {
    if (x === null || typeof x !== 'object' || seen.has(x)) return;
    seen.add(x);
    const o = x as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
    if (typeof o.type === 'string') out.push(o.type);
    visit(o.cause);
    visit(o.originalError);
    if (Array.isArray(o.errors)) o.errors.forEach(visit);
  };
  visit(e);
  return out;
}

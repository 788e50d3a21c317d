/**
 * The producer memory benchmark's workload (see memory.ts), run as a child process so
 * that its RSS is its own; it loads only tskafka's client:
 *
 *   node --import tsx bench/producer/memory-workload.ts --brokers host:port --topic T --sends N --value-bytes 1000 --value buffer --buffer-memory 33554432
 *
 * Connects `new Kafka({ brokers }).producer({ bufferMemory })` (every other option its
 * default), fires N sends of one record in one synchronous loop without keeping their
 * promises (each counted as it settles, failures by error class name), waits until every
 * send has settled, disconnects, and prints one JSON line ({@link WorkloadResult}).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from '../../src/index.js';

const MB = 1e6;
const SAMPLE_EVERY_MS = 10;
/** A synchronous loop holds timers back: it samples by itself this often. */
const SAMPLE_EVERY_SENDS = 10_000;

/** The JSON line the workload prints. */
export interface WorkloadResult {
  sends: number;
  peakRssMb: number;
  peakHeapUsedMb: number;
  /** RSS after connect, before the first send. */
  connectedRssMb: number;
  /** The synchronous loop of sends. */
  loopSeconds: number;
  /** From the first send until every send settled. */
  settleSeconds: number;
  resolved: number;
  /** Rejected sends by error class name. */
  rejected: Record<string, number>;
  node: string;
}

/** What the workload is told on its command line. */
export interface WorkloadOptions {
  brokers: string[];
  topic: string;
  sends: number;
  valueBytes: number;
  value: 'buffer' | 'string';
  bufferMemory: number;
  /**
   * How outcomes are counted: 'then' chains a `.then` on every send's promise (a
   * promise and a reaction per send, held by the caller until its loop yields);
   * 'event' keeps no promise and counts failures with the `producer.send_error`
   * event and successes with `metrics().recordsSent` (fire-and-forget).
   */
  observe: 'then' | 'event';
}

/** The command line for {@link WorkloadOptions}: the inverse of {@link parseWorkloadArgs}. */
export function workloadArgs(options: WorkloadOptions): string[] {
  return [
    '--brokers',
    options.brokers.join(','),
    '--topic',
    options.topic,
    '--sends',
    String(options.sends),
    '--value-bytes',
    String(options.valueBytes),
    '--value',
    options.value,
    '--buffer-memory',
    String(options.bufferMemory),
    '--observe',
    options.observe,
  ];
}

function parseWorkloadArgs(argv: readonly string[]): WorkloadOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      brokers: { type: 'string' },
      topic: { type: 'string' },
      sends: { type: 'string' },
      'value-bytes': { type: 'string' },
      value: { type: 'string' },
      'buffer-memory': { type: 'string' },
      observe: { type: 'string', default: 'then' },
    },
    strict: true,
  });
  const positive = (name: string, raw: string | undefined): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    return n;
  };
  if (!values.brokers || !values.topic) throw new Error('--brokers host:port and --topic are required');
  if (values.value !== 'buffer' && values.value !== 'string') throw new Error(`--value must be buffer or string, got ${JSON.stringify(values.value)}`);
  if (values.observe !== 'then' && values.observe !== 'event') throw new Error(`--observe must be then or event, got ${JSON.stringify(values.observe)}`);
  return {
    brokers: values.brokers.split(','),
    topic: values.topic,
    sends: positive('sends', values.sends),
    valueBytes: positive('value-bytes', values['value-bytes']),
    value: values.value,
    bufferMemory: positive('buffer-memory', values['buffer-memory']),
    observe: values.observe,
  };
}

/** Peak RSS and heapUsed, sampled by a 10 ms timer and by whoever calls `sample()`. */
class MemoryPeaks {
  rss = 0;
  heapUsed = 0;
  readonly #timer: NodeJS.Timeout;

  constructor() {
    this.sample();
    this.#timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }

  sample(): void {
    const { rss, heapUsed } = process.memoryUsage();
    if (rss > this.rss) this.rss = rss;
    if (heapUsed > this.heapUsed) this.heapUsed = heapUsed;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.sample();
  }
}

async function runWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  const peaks = new MemoryPeaks();
  const kafka = new Kafka({ clientId: 'bench-producer-memory', brokers: options.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ bufferMemory: options.bufferMemory });
  await producer.connect();
  peaks.sample();
  const connectedRss = process.memoryUsage().rss;

  const { topic, sends } = options;
  const value = options.value === 'string' ? 'v'.repeat(options.valueBytes) : Buffer.alloc(options.valueBytes, 'v');
  let resolved = 0;
  let settled = 0;
  const rejected: Record<string, number> = {};
  let allSettled: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allSettled = resolve));
  const onResolved = (): void => {
    resolved++;
    if (++settled === sends) allSettled();
  };
  const onRejected = (e: unknown): void => {
    const name = e instanceof Error ? e.name : typeof e;
    rejected[name] = (rejected[name] ?? 0) + 1;
    if (++settled === sends) allSettled();
  };

  const started = performance.now();
  if (options.observe === 'event') {
    producer.on('producer.send_error', ({ payload }) => onRejected((payload as { error: unknown }).error));
    for (let i = 0; i < sends; i++) {
      void producer.send({ topic, messages: [{ value }] });
      if (i % SAMPLE_EVERY_SENDS === 0) peaks.sample();
    }
  } else {
    for (let i = 0; i < sends; i++) {
      producer.send({ topic, messages: [{ value }] }).then(onResolved, onRejected);
      if (i % SAMPLE_EVERY_SENDS === 0) peaks.sample();
    }
  }
  peaks.sample();
  const loopSeconds = (performance.now() - started) / 1000;
  if (options.observe === 'event') {
    await producer.flush();
    resolved = producer.metrics().recordsSent;
  } else {
    await done;
  }
  const settleSeconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  peaks.stop();
  return {
    sends,
    peakRssMb: peaks.rss / MB,
    peakHeapUsedMb: peaks.heapUsed / MB,
    connectedRssMb: connectedRss / MB,
    loopSeconds,
    settleSeconds,
    resolved,
    rejected,
    node: process.version,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  runWorkload(parseWorkloadArgs(process.argv.slice(2))).then(
    // Exit at once: a timer or socket left behind must not hold the benchmark up.
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0)),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}

/**
 * `tskafka perf produce|consume`: kafka-producer-perf-test.sh and
 * kafka-consumer-perf-test.sh in one verb. Prints records/s, MB/s and latency
 * percentiles; a live progress line on a terminal; `--chart FILE` writes an SVG of
 * throughput and latency per interval.
 *
 * Produce latency is per record, from `send` to its acknowledgement (each record
 * is its own `send`, so it is timed on its own; the producer batches them).
 * Consume latency is the record's age when handed to the consumer: now minus its
 * timestamp, meaningful when the records are produced while consuming.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { KafkaJSNonRetriableError } from '../errors/errors.js';
import { type CommandSpec, type ParsedArgs, type SubcommandTable, ExitCode, dispatch, runWithArgs } from './args.js';
import { CONNECTION_OPTIONS, deleteThrowawayGroup, kafkaFromArgs, withAdmin } from './cli-client.js';
import { PRODUCER_OPTIONS, parseAcksOption, parseCompressionOption } from './produce.js';
import { renderChart } from './perf-chart.js';
import { type PerfSample, PerfRecorder, ProgressLine, progressText, summaryLines } from './perf-stats.js';
import { printLines } from './table.js';

const RUN_OPTIONS = [
  { name: 'chart', kind: 'value', arg: 'FILE', help: 'write an SVG chart of throughput and latency over time to FILE' },
  { name: 'interval', kind: 'value', arg: 'MS', help: 'ms per sample of the chart and the live line (default 1000)' },
] as const;

const PRODUCE: CommandSpec = {
  command: 'perf produce',
  positionals: '<topic>',
  summary: 'Produce records as fast as the producer takes them; print throughput and send-to-acknowledgement latency.',
  options: [
    { name: 'count', short: 'c', kind: 'value', arg: 'N', help: 'records to produce (default 100000)' },
    { name: 'size', short: 's', kind: 'value', arg: 'BYTES', help: 'value size of each record (default 100)' },
    ...PRODUCER_OPTIONS,
    { name: 'batch-size', kind: 'value', arg: 'BYTES', help: "bytes per partition batch (the producer's batchSize, default 16384)" },
    { name: 'linger-ms', kind: 'value', arg: 'MS', help: "ms a batch waits for more records (the producer's lingerMs, default 5)" },
    { name: 'in-flight', kind: 'value', arg: 'N', help: 'records sent and not yet acknowledged, at most (default 10000)' },
    ...RUN_OPTIONS,
    ...CONNECTION_OPTIONS,
  ],
  notes: 'example: tskafka perf produce bench --count 1000000 --size 200 --compression lz4 --chart produce.svg',
};

const CONSUME: CommandSpec = {
  command: 'perf consume',
  positionals: '<topic>',
  summary: 'Consume a topic from its beginning; print throughput and the records\' age (now minus record timestamp).',
  options: [
    { name: 'count', short: 'c', kind: 'value', arg: 'N', help: 'records to consume (default: every record in the topic now)' },
    { name: 'group', short: 'g', kind: 'value', arg: 'GROUP', help: 'consume in this group and commit (default: a throwaway group, no commits)' },
    { name: 'timeout', kind: 'value', arg: 'MS', help: 'fail when no record arrives for MS (default 30000)' },
    ...RUN_OPTIONS,
    ...CONNECTION_OPTIONS,
  ],
};

/** Sampling, the live line, and the closing report of one run. */
class PerfRun {
  readonly recorder = new PerfRecorder();
  readonly #sampler: NodeJS.Timeout;
  readonly #progress: ProgressLine;
  #last: PerfSample | undefined;

  constructor(target: number, intervalMs: number) {
    this.#sampler = setInterval(() => (this.#last = this.recorder.sample()), intervalMs);
    this.#sampler.unref();
    this.#progress = new ProgressLine(() => progressText(this.recorder, target, this.#last), intervalMs);
  }

  /** Stop sampling (the last partial interval becomes a sample), print the summary, write the chart. */
  finish(args: ParsedArgs, title: string, latencyName: string): void {
    clearInterval(this.#sampler);
    if (this.recorder.recordsSinceSample > 0 || this.recorder.samples.length === 0) this.#last = this.recorder.sample();
    this.#progress.stop();
    printLines(summaryLines(this.recorder.summary(), latencyName));
    const chart = args.string('chart');
    if (chart !== undefined) {
      writeFileSync(chart, renderChart(title, this.recorder.samples, latencyName));
      process.stderr.write(`chart written to ${chart} (${this.recorder.samples.length} samples)\n`);
    }
  }
}

async function perfProduce(args: ParsedArgs): Promise<number> {
  const topic = args.positional(0, 'the topic to produce to');
  args.noMorePositionals(1);
  const count = args.integer('count', 1) ?? 100_000;
  const size = args.integer('size', 0) ?? 100;
  const batchSize = args.integer('batch-size', 1);
  const lingerMs = args.integer('linger-ms', 0);
  const window = args.integer('in-flight', 1) ?? 10_000;
  const intervalMs = args.integer('interval', 10) ?? 1000;
  const acks = parseAcksOption(args);
  const compression = parseCompressionOption(args);
  const producer = kafkaFromArgs(args).producer({
    ...(acks !== undefined ? { acks } : {}),
    ...(compression !== undefined ? { compression } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(lingerMs !== undefined ? { lingerMs } : {}),
    retry: { retries: 2 },
  });
  await producer.connect();
  const value = randomBytes(size);
  const run = new PerfRun(count, intervalMs);
  let inFlight = 0;
  let failed = 0;
  let firstError = '';
  let wake: (() => void) | null = null;
  const settled = (): void => {
    inFlight--;
    wake?.();
  };
  try {
    for (let i = 0; i < count && failed === 0; i++) {
      while (inFlight >= window) await new Promise<void>((resolve) => (wake = resolve));
      const sentAt = performance.now();
      inFlight++;
      producer.send({ topic, messages: [{ value }] }).then(
        () => {
          run.recorder.record(size, performance.now() - sentAt);
          settled();
        },
        (e: unknown) => {
          if (failed++ === 0) firstError = e instanceof Error ? e.message : String(e);
          settled();
        },
      );
    }
    while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  run.finish(args, `tskafka perf produce ${topic}: ${count} records of ${size} bytes`, 'send-to-ack latency');
  if (failed > 0) throw new KafkaJSNonRetriableError(`${failed} sends failed: ${firstError}`);
  return ExitCode.OK;
}

async function perfConsume(args: ParsedArgs): Promise<number> {
  const topic = args.positional(0, 'the topic to consume');
  args.noMorePositionals(1);
  const groupId = args.string('group');
  const timeoutMs = args.integer('timeout', 1) ?? 30_000;
  const intervalMs = args.integer('interval', 10) ?? 1000;
  const kafka = kafkaFromArgs(args);
  const available = await withAdmin(kafka, async (admin) => (await admin.fetchTopicOffsets(topic)).reduce((n, w) => n + Number(BigInt(w.high) - BigInt(w.low)), 0));
  const count = args.integer('count', 1) ?? available;
  if (count === 0) throw new KafkaJSNonRetriableError(`topic ${topic} has no records to consume`);

  const consumerGroup = groupId ?? `tskafka-perf-${randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({ groupId: consumerGroup, retry: { retries: 2 } });
  let finish!: (error?: Error) => void;
  const finished = new Promise<Error | undefined>((resolve) => (finish = resolve));
  consumer.on('consumer.crash', ({ payload }) => finish(payload.error));
  const run = new PerfRun(count, intervalMs);
  let lastProgress = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - lastProgress > timeoutMs) finish(new KafkaJSNonRetriableError(`no record for ${timeoutMs} ms: consumed ${run.recorder.records} of ${count}`));
  }, 250);
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    consumer
      .run({
        autoCommit: groupId !== undefined,
        eachBatch: async ({ batch, resolveOffset }) => {
          const now = Date.now();
          for (const m of batch.messages) {
            if (run.recorder.records >= count) break;
            run.recorder.record((m.key?.length ?? 0) + (m.value?.length ?? 0), Math.max(0, now - Number(m.timestamp)));
            resolveOffset(m.offset);
          }
          lastProgress = now;
          if (run.recorder.records >= count) finish();
        },
      })
      .catch((e: unknown) => finish(e instanceof Error ? e : new Error(String(e))));
    const error = await finished;
    if (error) throw error;
  } finally {
    clearInterval(watchdog);
    await consumer.disconnect().catch(() => undefined);
    if (groupId === undefined) await deleteThrowawayGroup(kafka, consumerGroup);
  }
  run.finish(args, `tskafka perf consume ${topic}: ${count} records`, 'record age');
  return ExitCode.OK;
}

/** `tskafka perf`. */
export const PERF: SubcommandTable = {
  command: 'perf',
  summary: 'Measure throughput and latency against a cluster.',
  subcommands: {
    produce: { summary: 'Records/s, MB/s, send-to-acknowledgement latency p50/p95/p99/max.', run: (argv) => runWithArgs(PRODUCE, argv, perfProduce) },
    consume: { summary: 'Records/s, MB/s, record age p50/p95/p99/max.', run: (argv) => runWithArgs(CONSUME, argv, perfConsume) },
  },
};

/** Run `tskafka perf ...`; resolves to the exit code. */
export function perfCommand(argv: readonly string[]): Promise<number> {
  return dispatch(PERF, argv);
}

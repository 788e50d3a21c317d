/**
 * `tskafka consume <topic>`: print a topic's records, as kcat -C and
 * kafka-console-consumer.sh. With `--group` the records are consumed in that group
 * and their offsets committed; without, a throwaway group of one member is given
 * exactly the partitions asked for (`--partition`, default all) by its own
 * assigner, and nothing is committed, as kafka-console-consumer.sh's assign mode.
 *
 * `-e` exits once every partition reached the log end offset it had when the
 * command started (records appended later are not waited for), as kcat's -e.
 */
import { randomBytes } from 'node:crypto';
import { type Admin } from '../admin/admin.js';
import { type Assigner, type PartitionAssigner } from '../consumer/assignors/assigner.js';
import { encodeAssignment, encodeSubscription } from '../consumer/assignors/assigner-protocol.js';
import { type ConsumerConfig } from '../consumer/consumer-config.js';
import { KafkaJSNonRetriableError } from '../errors/errors.js';
import { type CommandSpec, type ParsedArgs, ExitCode, runWithArgs } from './args.js';
import { CONNECTION_OPTIONS, deleteThrowawayGroup, kafkaFromArgs, withAdmin } from './cli-client.js';
import { DEFAULT_FORMAT, type RecordFormatter, compileFormat, jsonFormatter } from './record-format.js';
import { parseTime } from './time-option.js';

const SPEC: CommandSpec = {
  command: 'consume',
  positionals: '<topic>',
  summary: 'Print the records of a topic. Without --group nothing is committed; without a start option it starts at the end (new records only).',
  options: [
    { name: 'from-beginning', kind: 'flag', help: "start at each partition's log start (in a group: where nothing is committed)" },
    { name: 'offset', short: 'o', kind: 'value', arg: 'N', help: 'start at offset N in each partition' },
    { name: 'from-timestamp', kind: 'value', arg: 'TIME', help: 'start at the first record at or after TIME (ISO 8601, or ms since the epoch)' },
    { name: 'group', short: 'g', kind: 'value', arg: 'GROUP', help: 'consume in this consumer group and commit offsets' },
    { name: 'partition', short: 'p', kind: 'list', arg: 'P[,P...]', help: 'only these partitions (not with --group)' },
    { name: 'format', short: 'f', kind: 'value', arg: 'FMT', help: `kcat's tokens: %t %p %o %k %s %K %S %h %T %%, escapes \\n \\t (default ${DEFAULT_FORMAT})` },
    { name: 'json', kind: 'flag', help: 'one JSON object a line: topic, partition, offset, timestamp, key, value, headers' },
    { name: 'exit', short: 'e', kind: 'flag', help: 'exit at the end of every partition (its end when the command started)' },
    { name: 'count', short: 'c', kind: 'value', arg: 'N', help: 'exit after N records' },
    ...CONNECTION_OPTIONS,
  ],
  notes: 'example: tskafka consume orders --from-beginning -e -f "%p:%o %k=%s [%h]\\n"',
};

/** Gives the one member of a throwaway group exactly the chosen partitions. */
function fixedAssigner(topic: string, partitions: readonly number[]): PartitionAssigner {
  return (): Assigner => ({
    name: 'tskafka-cli-assign',
    version: 0,
    protocol: ({ topics }) => ({ name: 'tskafka-cli-assign', metadata: encodeSubscription({ topics }) }),
    assign: async ({ members }) =>
      members.map((m, i) => ({
        memberId: m.memberId,
        memberAssignment: encodeAssignment({ assignedPartitions: i === 0 ? partitions.map((partition) => ({ topic, partition })) : [] }),
      })),
  });
}

function parsePartitions(args: ParsedArgs): number[] | null {
  const texts = args.list('partition').flatMap((t) => t.split(','));
  if (texts.length === 0) return null;
  return texts.map((t) => {
    const n = Number(t);
    if (t.trim() === '' || !Number.isInteger(n) || n < 0) throw args.usage(`--partition takes partition numbers, got ${JSON.stringify(t)}`);
    return n;
  });
}

/** Where each partition starts reading, as far as it can be known before the consumer runs. */
async function startOffsets(admin: Admin, topic: string, partitions: readonly number[], o: { groupId: string | undefined; fromBeginning: boolean; offset: number | undefined; timestamp: number | undefined }, watermarks: Map<number, { low: bigint; high: bigint }>): Promise<Map<number, bigint>> {
  const start = new Map<number, bigint>();
  const byTime = o.timestamp === undefined ? null : new Map((await admin.fetchTopicOffsetsByTimestamp(topic, o.timestamp)).map((e) => [e.partition, BigInt(e.offset)]));
  const committed = new Map<number, bigint>();
  if (o.groupId !== undefined && o.offset === undefined && byTime === null) {
    for (const t of await admin.fetchOffsets({ groupId: o.groupId, topics: [topic] })) {
      for (const p of t.partitions) if (p.offset !== '-1') committed.set(p.partition, BigInt(p.offset));
    }
  }
  for (const p of partitions) {
    const w = watermarks.get(p)!;
    if (o.offset !== undefined) start.set(p, BigInt(o.offset));
    else if (byTime) start.set(p, byTime.get(p) ?? w.high);
    else start.set(p, committed.get(p) ?? (o.fromBeginning ? w.low : w.high));
  }
  return start;
}

async function consume(args: ParsedArgs): Promise<number> {
  const topic = args.positional(0, 'the topic to consume');
  args.noMorePositionals(1);
  const from = args.oneOf(['from-beginning', 'offset', 'from-timestamp']);
  args.oneOf(['format', 'json']);
  const offset = args.integer('offset', 0);
  const timestamp = from === 'from-timestamp' ? parseTime(args, from, args.string(from)!) : undefined;
  const groupId = args.string('group');
  const chosen = parsePartitions(args);
  if (groupId !== undefined && chosen !== null) throw args.usage('--partition cannot be used with --group: the group assigns partitions');
  const limit = args.integer('count', 1);
  const exitAtEnd = args.flag('exit');
  const formatter: RecordFormatter = args.flag('json') ? jsonFormatter : compileFormat(args.string('format') ?? DEFAULT_FORMAT);
  const kafka = kafkaFromArgs(args);

  const { partitions, watermarks, start } = await withAdmin(kafka, async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    const watermarks = new Map(offsets.map((w) => [w.partition, { low: BigInt(w.low), high: BigInt(w.high) }]));
    const partitions = chosen ?? [...watermarks.keys()].sort((a, b) => a - b);
    for (const p of partitions) if (!watermarks.has(p)) throw new KafkaJSNonRetriableError(`topic ${topic} has no partition ${p}`);
    const start = await startOffsets(admin, topic, partitions, { groupId, fromBeginning: from === 'from-beginning', offset, timestamp }, watermarks);
    return { partitions, watermarks, start };
  });

  // -e: a partition is done once its position reaches the end it had at the start.
  const end = new Map(partitions.map((p) => [p, watermarks.get(p)!.high]));
  const done = new Set(partitions.filter((p) => start.get(p)! >= end.get(p)!));
  if (exitAtEnd && done.size === partitions.length) return ExitCode.OK;

  let finish!: (error?: Error) => void;
  const finished = new Promise<Error | undefined>((resolve) => (finish = resolve));
  let printed = 0;
  const config: ConsumerConfig = {
    groupId: groupId ?? `tskafka-consume-${randomBytes(6).toString('hex')}`,
    ...(groupId === undefined ? { partitionAssigners: [fixedAssigner(topic, partitions)] } : {}),
    maxWaitTimeInMs: 500,
    retry: { retries: 2 },
  };
  const consumer = kafka.consumer(config);
  consumer.on('consumer.crash', ({ payload }) => finish(payload.error));
  process.stdout.on('error', () => finish());
  const onSignal = (): void => finish();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await consumer.subscribe({ topic, fromBeginning: from === 'from-beginning' });
    const running = consumer.run({
      autoCommit: groupId !== undefined,
      eachBatch: async ({ batch, resolveOffset, isStale }) => {
        let out = '';
        for (const message of batch.messages) {
          if (isStale() || printed === limit) break;
          if (exitAtEnd && (done.has(batch.partition) || BigInt(message.offset) >= end.get(batch.partition)!)) break;
          out += formatter({ topic: batch.topic, partition: batch.partition, message });
          printed++;
          resolveOffset(message.offset);
        }
        if (exitAtEnd && BigInt(batch.nextOffset) >= end.get(batch.partition)!) done.add(batch.partition);
        // Wait for a slow reader, but not for one that went away (EPIPE finishes the run).
        if (out !== '' && !process.stdout.write(out)) await Promise.race([new Promise((resolve) => process.stdout.once('drain', resolve)), finished]);
        if (printed === limit || (exitAtEnd && done.size === partitions.length)) finish();
      },
    });
    // Seeks asked for now are applied when the partitions are assigned, before any fetch.
    if (offset !== undefined) for (const partition of partitions) consumer.seek({ topic, partition, offset: String(offset) });
    if (timestamp !== undefined) for (const partition of partitions) consumer.seek({ topic, partition, timestamp });
    running.catch((e: unknown) => finish(e instanceof Error ? e : new Error(String(e))));
    const error = await finished;
    if (error) throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await consumer.disconnect().catch(() => undefined);
    if (groupId === undefined) await deleteThrowawayGroup(kafka, config.groupId);
  }
  return ExitCode.OK;
}

/** Run `tskafka consume ...`; resolves to the exit code. */
export function consumeCommand(argv: readonly string[]): Promise<number> {
  return runWithArgs(SPEC, argv, consume);
}

/**
 * `tskafka groups list|describe|reset-offsets|delete`: kafka-consumer-groups.sh's
 * everyday verbs. `reset-offsets` prints its plan and changes nothing unless
 * `--execute` is given, as kafka-consumer-groups.sh's `--dry-run` default.
 */
import { type Admin } from '../admin/admin.js';
import { type FetchOffsetsPartition, type SeekEntry } from '../admin/admin-types.js';
import { decodeAssignment } from '../consumer/assignors/assigner-protocol.js';
import { KafkaJSNonRetriableError } from '../errors/errors.js';
import { type CommandSpec, type ParsedArgs, type SubcommandTable, ExitCode, dispatch, runWithArgs } from './args.js';
import { CONNECTION_OPTIONS, kafkaFromArgs, withAdmin } from './cli-client.js';
import { formatTable, printLines } from './table.js';
import { parseTime } from './time-option.js';

const LIST: CommandSpec = { command: 'groups list', summary: 'List the consumer groups: id, state, protocol type.', options: CONNECTION_OPTIONS };

const DESCRIBE: CommandSpec = {
  command: 'groups describe',
  positionals: '<group...>',
  summary: "Show a group's state and members, and per partition the committed offset, the log end offset, the lag and the member consuming it.",
  options: CONNECTION_OPTIONS,
};

const RESET: CommandSpec = {
  command: 'groups reset-offsets',
  positionals: '<group>',
  summary: "Move a group's committed offsets. Prints the plan; nothing changes without --execute. The group must have no running members.",
  options: [
    { name: 'topic', short: 't', kind: 'list', arg: 'TOPIC[:P,P...]', help: 'the topic (and partitions) to reset; required' },
    { name: 'to-earliest', kind: 'flag', help: "each partition's log start offset" },
    { name: 'to-latest', kind: 'flag', help: "each partition's log end offset" },
    { name: 'to-offset', kind: 'value', arg: 'N', help: 'offset N (kept within the log start and end)' },
    { name: 'to-datetime', kind: 'value', arg: 'TIME', help: 'the first offset at or after TIME (ISO 8601, or ms since the epoch)' },
    { name: 'shift-by', kind: 'value', arg: 'N', help: 'the committed offset plus N (N may be negative; kept within the log)' },
    { name: 'execute', kind: 'flag', help: 'apply the plan (default: print it only, a dry run)' },
    ...CONNECTION_OPTIONS,
  ],
};

const DELETE: CommandSpec = { command: 'groups delete', positionals: '<group...>', summary: 'Delete groups that have no members, and their committed offsets.', options: CONNECTION_OPTIONS };

async function list(argv: readonly string[]): Promise<number> {
  return runWithArgs(LIST, argv, async (args) => {
    args.noMorePositionals(0);
    const { groups } = await withAdmin(kafkaFromArgs(args), (admin) => admin.listGroups());
    const rows = [...groups].sort((a, b) => a.groupId.localeCompare(b.groupId)).map((g) => [g.groupId, g.groupState || '-', g.protocolType || '-']);
    printLines(formatTable(['GROUP', 'STATE', 'PROTOCOL-TYPE'], rows));
    return ExitCode.OK;
  });
}

/** Committed offsets by `topic:partition`. */
async function committedOffsets(admin: Admin, groupId: string, topics?: string[]): Promise<Map<string, FetchOffsetsPartition & { topic: string }>> {
  const committed = new Map<string, FetchOffsetsPartition & { topic: string }>();
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId, ...(topics ? { topics } : {}) })) {
    for (const p of partitions) committed.set(`${topic}:${p.partition}`, { ...p, topic });
  }
  return committed;
}

async function describeGroup(admin: Admin, groupId: string): Promise<string[]> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  if (!group) throw new KafkaJSNonRetriableError(`group ${groupId} was not described`);
  const owner = new Map<string, string>();
  const memberRows = group.members.map((m) => {
    const assigned = group.protocolType === 'consumer' ? decodeAssignment(m.memberAssignment).assignedPartitions : [];
    for (const tp of assigned) owner.set(`${tp.topic}:${tp.partition}`, m.memberId);
    return [m.memberId, m.clientId, m.clientHost, assigned.map((tp) => `${tp.topic}:${tp.partition}`).join(',') || '-'];
  });
  const committed = await committedOffsets(admin, groupId);
  const topics = new Set([...committed.values()].map((c) => c.topic));
  for (const key of owner.keys()) topics.add(key.slice(0, key.lastIndexOf(':')));
  const rows: (string | number)[][] = [];
  for (const topic of [...topics].sort()) {
    for (const { partition, high } of [...(await admin.fetchTopicOffsets(topic))].sort((a, b) => a.partition - b.partition)) {
      const key = `${topic}:${partition}`;
      const current = committed.get(key)?.offset ?? '-1';
      if (current === '-1' && !owner.has(key)) continue;
      const lag = current === '-1' ? '-' : String(BigInt(high) - BigInt(current));
      rows.push([topic, partition, current === '-1' ? '-' : current, high, lag, owner.get(key) ?? '-']);
    }
  }
  const lines = [`group ${groupId}  state ${group.state}  protocol ${group.protocol || '-'}  members ${group.members.length}`];
  if (memberRows.length > 0) lines.push(...formatTable(['MEMBER-ID', 'CLIENT-ID', 'HOST', 'ASSIGNMENT'], memberRows));
  lines.push(...(rows.length > 0 ? formatTable(['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'MEMBER-ID'], rows) : ['no committed offsets']));
  return lines;
}

async function describe(argv: readonly string[]): Promise<number> {
  return runWithArgs(DESCRIBE, argv, async (args) => {
    args.positional(0, 'the group to describe');
    await withAdmin(kafkaFromArgs(args), async (admin) => {
      const blocks: string[][] = [];
      for (const groupId of args.positionals) blocks.push(await describeGroup(admin, groupId));
      printLines(blocks.flatMap((b, i) => (i === 0 ? b : ['', ...b])));
    });
    return ExitCode.OK;
  });
}

/** `TOPIC` or `TOPIC:0,1,2`. */
function parseTopicPartitions(args: ParsedArgs, text: string): { topic: string; partitions: number[] | null } {
  const colon = text.lastIndexOf(':');
  if (colon === -1) return { topic: text, partitions: null };
  const partitions = text
    .slice(colon + 1)
    .split(',')
    .map((p) => Number(p));
  if (colon === 0 || partitions.some((p) => !Number.isInteger(p) || p < 0)) throw args.usage(`--topic takes TOPIC or TOPIC:P,P..., got ${JSON.stringify(text)}`);
  return { topic: text.slice(0, colon), partitions };
}

const clamp = (n: bigint, low: bigint, high: bigint): bigint => (n < low ? low : n > high ? high : n);

async function resetOffsets(argv: readonly string[]): Promise<number> {
  return runWithArgs(RESET, argv, async (args) => {
    const groupId = args.positional(0, 'the group whose offsets to reset');
    args.noMorePositionals(1);
    const targets = args.list('topic').map((t) => parseTopicPartitions(args, t));
    if (targets.length === 0) throw args.usage('--topic is required');
    const how = args.oneOf(['to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'shift-by']);
    if (how === undefined) throw args.usage('say where to: --to-earliest, --to-latest, --to-offset N, --to-datetime TIME or --shift-by N');
    const toOffset = args.integer('to-offset', 0);
    const shiftBy = args.integer('shift-by');
    const toTime = how === 'to-datetime' ? parseTime(args, how, args.string(how)!) : undefined;
    await withAdmin(kafkaFromArgs(args), async (admin) => {
      const committed = await committedOffsets(admin, groupId, targets.map((t) => t.topic));
      const rows: (string | number)[][] = [];
      const plan: { topic: string; partitions: SeekEntry[] }[] = [];
      for (const { topic, partitions } of targets) {
        const watermarks = await admin.fetchTopicOffsets(topic);
        const byTime = toTime === undefined ? null : new Map((await admin.fetchTopicOffsetsByTimestamp(topic, toTime)).map((e) => [e.partition, e.offset]));
        for (const p of partitions ?? []) {
          if (!watermarks.some((w) => w.partition === p)) throw new KafkaJSNonRetriableError(`topic ${topic} has no partition ${p}`);
        }
        const entries: SeekEntry[] = [];
        for (const w of [...watermarks].sort((a, b) => a.partition - b.partition)) {
          if (partitions && !partitions.includes(w.partition)) continue;
          const low = BigInt(w.low);
          const high = BigInt(w.high);
          const current = committed.get(`${topic}:${w.partition}`)?.offset ?? '-1';
          let next: bigint;
          if (how === 'to-earliest') next = low;
          else if (how === 'to-latest') next = high;
          else if (how === 'to-offset') next = clamp(BigInt(toOffset!), low, high);
          else if (how === 'to-datetime') next = clamp(BigInt(byTime!.get(w.partition) ?? w.high), low, high);
          else {
            if (current === '-1') throw new KafkaJSNonRetriableError(`group ${groupId} has no committed offset for ${topic}:${w.partition} to shift`);
            next = clamp(BigInt(current) + BigInt(shiftBy!), low, high);
          }
          entries.push({ partition: w.partition, offset: String(next) });
          rows.push([topic, w.partition, current === '-1' ? '-' : current, String(next)]);
        }
        plan.push({ topic, partitions: entries });
      }
      printLines(formatTable(['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'], rows));
      if (!args.flag('execute')) {
        process.stderr.write('dry run: nothing changed; add --execute to apply\n');
        return;
      }
      for (const { topic, partitions } of plan) await admin.setOffsets({ groupId, topic, partitions });
      process.stderr.write(`reset the offsets of group ${groupId}\n`);
    });
    return ExitCode.OK;
  });
}

async function remove(argv: readonly string[]): Promise<number> {
  return runWithArgs(DELETE, argv, async (args) => {
    args.positional(0, 'the groups to delete');
    const results = await withAdmin(kafkaFromArgs(args), (admin) => admin.deleteGroups([...args.positionals]));
    printLines(results.map((r) => `deleted group ${r.groupId}`));
    return ExitCode.OK;
  });
}

/** `tskafka groups`. */
export const GROUPS: SubcommandTable = {
  command: 'groups',
  summary: 'Inspect consumer groups, their lag, and move or delete their committed offsets.',
  subcommands: {
    list: { summary: LIST.summary, run: list },
    describe: { summary: 'Members, assignment, committed offset, log end offset and lag per partition.', run: describe },
    'reset-offsets': { summary: 'Move committed offsets (earliest, latest, offset, time, shift); --execute applies.', run: resetOffsets },
    delete: { summary: DELETE.summary, run: remove },
  },
};

/** Run `tskafka groups ...`; resolves to the exit code. */
export function groupsCommand(argv: readonly string[]): Promise<number> {
  return dispatch(GROUPS, argv);
}

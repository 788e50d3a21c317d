/**
 * `tskafka topics list|create|describe|alter|delete`: kafka-topics.sh's everyday
 * verbs, on the admin client (CreateTopics, Metadata, DescribeConfigs,
 * CreatePartitions, IncrementalAlterConfigs, DeleteTopics).
 */
import { type Admin } from '../admin/admin.js';
import { AlterConfigOpTypes, ConfigResourceTypes, ConfigSource, type IncrementalConfigEntry } from '../admin/admin-types.js';
import { KafkaJSNonRetriableError } from '../errors/errors.js';
import { type CommandSpec, type ParsedArgs, type SubcommandTable, ExitCode, dispatch, keyValue, runWithArgs } from './args.js';
import { CONNECTION_OPTIONS, kafkaFromArgs, withAdmin } from './cli-client.js';
import { formatTable, printLines } from './table.js';

const LIST: CommandSpec = {
  command: 'topics list',
  summary: 'List the topic names, one a line.',
  options: [{ name: 'exclude-internal', kind: 'flag', help: 'leave out internal topics (names starting with "__")' }, ...CONNECTION_OPTIONS],
};

const CREATE: CommandSpec = {
  command: 'topics create',
  positionals: '<topic>',
  summary: 'Create a topic.',
  options: [
    { name: 'partitions', short: 'p', kind: 'value', arg: 'N', help: "partitions (default: the broker's num.partitions)" },
    { name: 'replication-factor', short: 'r', kind: 'value', arg: 'N', help: "replicas per partition (default: the broker's default.replication.factor)" },
    { name: 'config', kind: 'list', arg: 'NAME=VALUE', help: 'a topic config, e.g. --config retention.ms=86400000' },
    { name: 'if-not-exists', kind: 'flag', help: 'succeed when the topic exists already' },
    ...CONNECTION_OPTIONS,
  ],
};

const DESCRIBE: CommandSpec = {
  command: 'topics describe',
  positionals: '[topic...]',
  summary: 'Show each partition (leader, replicas, in-sync replicas) and the configs that override the defaults; every topic when none is named.',
  options: CONNECTION_OPTIONS,
};

const ALTER: CommandSpec = {
  command: 'topics alter',
  positionals: '<topic>',
  summary: 'Add partitions to a topic, or set or remove its configs (IncrementalAlterConfigs).',
  options: [
    { name: 'partitions', short: 'p', kind: 'value', arg: 'N', help: 'the new total number of partitions (only grows)' },
    { name: 'config', kind: 'list', arg: 'NAME=VALUE', help: 'set a topic config' },
    { name: 'delete-config', kind: 'list', arg: 'NAME', help: "remove a topic config's override (back to the default)" },
    ...CONNECTION_OPTIONS,
  ],
};

const DELETE: CommandSpec = {
  command: 'topics delete',
  positionals: '<topic...>',
  summary: 'Delete topics and their records.',
  options: CONNECTION_OPTIONS,
};

function configEntries(args: ParsedArgs, command: string): { name: string; value: string }[] {
  return args.list('config').map((c) => keyValue(c, 'config', command));
}

async function list(argv: readonly string[]): Promise<number> {
  return runWithArgs(LIST, argv, async (args) => {
    args.noMorePositionals(0);
    const names = await withAdmin(kafkaFromArgs(args), (admin) => admin.listTopics());
    printLines(names.filter((n) => !(args.flag('exclude-internal') && n.startsWith('__'))).sort());
    return ExitCode.OK;
  });
}

async function create(argv: readonly string[]): Promise<number> {
  return runWithArgs(CREATE, argv, async (args) => {
    const topic = args.positional(0, 'the topic to create');
    args.noMorePositionals(1);
    const numPartitions = args.integer('partitions', 1);
    const replicationFactor = args.integer('replication-factor', 1, 32767);
    const entries = configEntries(args, CREATE.command);
    const created = await withAdmin(kafkaFromArgs(args), (admin) =>
      admin.createTopics({ topics: [{ topic, numPartitions: numPartitions ?? -1, replicationFactor: replicationFactor ?? -1, configEntries: entries }] }),
    );
    if (!created && !args.flag('if-not-exists')) throw new KafkaJSNonRetriableError(`topic ${topic} already exists`);
    process.stdout.write(created ? `created topic ${topic}\n` : `topic ${topic} exists already\n`);
    return ExitCode.OK;
  });
}

/** The lines describing one topic: a heading, its overriding configs, a partition table. */
async function describeTopic(admin: Admin, topic: string): Promise<string[]> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const metadata = topics[0];
  if (!metadata) throw new KafkaJSNonRetriableError(`topic ${topic} does not exist`);
  const partitions = [...metadata.partitions].sort((a, b) => a.partitionId - b.partitionId);
  const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
  const overrides = (described.resources[0]?.configEntries ?? []).filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG);
  const replicationFactor = partitions[0]?.replicas.length ?? 0;
  const lines = [`topic ${topic}  partitions ${partitions.length}  replication factor ${replicationFactor}`];
  lines.push(overrides.length === 0 ? 'configs: none overriding the defaults' : `configs: ${overrides.map((e) => `${e.configName}=${e.isSensitive ? '(sensitive)' : (e.configValue ?? '')}`).join(', ')}`);
  const rows = partitions.map((p) => [p.partitionId, p.leader, p.replicas.join(','), p.isr.join(','), p.offlineReplicas?.length ? p.offlineReplicas.join(',') : '-']);
  lines.push(...formatTable(['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'OFFLINE'], rows));
  return lines;
}

async function describe(argv: readonly string[]): Promise<number> {
  return runWithArgs(DESCRIBE, argv, async (args) => {
    await withAdmin(kafkaFromArgs(args), async (admin) => {
      const names = args.positionals.length > 0 ? args.positionals : (await admin.listTopics()).sort();
      const blocks: string[][] = [];
      for (const name of names) blocks.push(await describeTopic(admin, name));
      printLines(blocks.flatMap((b, i) => (i === 0 ? b : ['', ...b])));
    });
    return ExitCode.OK;
  });
}

async function alter(argv: readonly string[]): Promise<number> {
  return runWithArgs(ALTER, argv, async (args) => {
    const topic = args.positional(0, 'the topic to alter');
    args.noMorePositionals(1);
    const count = args.integer('partitions', 1);
    const changes: IncrementalConfigEntry[] = [
      ...configEntries(args, ALTER.command).map((e) => ({ ...e, operation: AlterConfigOpTypes.SET })),
      ...args.list('delete-config').map((name) => ({ name, operation: AlterConfigOpTypes.DELETE })),
    ];
    if (count === undefined && changes.length === 0) throw args.usage('nothing to change: give --partitions N, --config NAME=VALUE or --delete-config NAME');
    await withAdmin(kafkaFromArgs(args), async (admin) => {
      if (count !== undefined) {
        await admin.createPartitions({ topicPartitions: [{ topic, count }] });
        process.stdout.write(`topic ${topic} now has ${count} partitions\n`);
      }
      if (changes.length > 0) {
        const result = await admin.incrementalAlterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: changes }] });
        const failed = result.resources.find((r) => r.errorCode !== 0);
        if (failed) throw new KafkaJSNonRetriableError(`altering the configs of topic ${topic} failed: ${failed.errorMessage ?? `error code ${failed.errorCode}`}`);
        process.stdout.write(`altered ${changes.length} config${changes.length === 1 ? '' : 's'} of topic ${topic}\n`);
      }
    });
    return ExitCode.OK;
  });
}

async function remove(argv: readonly string[]): Promise<number> {
  return runWithArgs(DELETE, argv, async (args) => {
    args.positional(0, 'the topics to delete');
    const topics = [...args.positionals];
    await withAdmin(kafkaFromArgs(args), (admin) => admin.deleteTopics({ topics }));
    printLines(topics.map((t) => `deleted topic ${t}`));
    return ExitCode.OK;
  });
}

/** `tskafka topics`. */
export const TOPICS: SubcommandTable = {
  command: 'topics',
  summary: 'Create, inspect, change and delete topics.',
  subcommands: {
    list: { summary: LIST.summary, run: list },
    create: { summary: CREATE.summary, run: create },
    describe: { summary: 'Partitions, leaders, in-sync replicas and config overrides of topics.', run: describe },
    alter: { summary: ALTER.summary, run: alter },
    delete: { summary: DELETE.summary, run: remove },
  },
};

/** Run `tskafka topics ...`; resolves to the exit code. */
export function topicsCommand(argv: readonly string[]): Promise<number> {
  return dispatch(TOPICS, argv);
}

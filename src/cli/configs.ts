/**
 * `tskafka configs describe|alter`: kafka-configs.sh for topic and broker
 * resources. `describe` shows the configs that differ from the defaults (`--all`
 * for every one) with where each value comes from; `alter` sets and removes
 * configs with IncrementalAlterConfigs (KIP-339), so configs not named are kept.
 */
import { AlterConfigOpTypes, ConfigResourceTypes, ConfigSource, type IncrementalConfigEntry } from '../admin/admin-types.js';
import { KafkaJSNonRetriableError } from '../errors/errors.js';
import { type CommandSpec, type OptionSpec, type ParsedArgs, type SubcommandTable, ExitCode, dispatch, keyValue, runWithArgs } from './args.js';
import { CONNECTION_OPTIONS, kafkaFromArgs, withAdmin } from './cli-client.js';
import { formatTable, printLines } from './table.js';

const RESOURCE_OPTIONS: OptionSpec[] = [
  { name: 'topic', short: 't', kind: 'value', arg: 'TOPIC', help: 'a topic' },
  { name: 'broker', kind: 'value', arg: 'ID', help: "a broker's node id" },
];

const DESCRIBE: CommandSpec = {
  command: 'configs describe',
  summary: "Show a topic's or a broker's configs that differ from the defaults, with their source.",
  options: [...RESOURCE_OPTIONS, { name: 'all', kind: 'flag', help: 'every config, defaults included' }, ...CONNECTION_OPTIONS],
};

const ALTER: CommandSpec = {
  command: 'configs alter',
  summary: "Set or remove a topic's or a broker's configs; the configs not named are kept.",
  options: [
    ...RESOURCE_OPTIONS,
    { name: 'set', kind: 'list', arg: 'NAME=VALUE', help: 'set a config' },
    { name: 'delete', kind: 'list', arg: 'NAME', help: 'remove a config (back to its default)' },
    ...CONNECTION_OPTIONS,
  ],
  notes: 'example: tskafka configs alter --topic orders --set retention.ms=3600000 --delete cleanup.policy',
};

function resourceFrom(args: ParsedArgs): { type: ConfigResourceTypes; name: string; label: string } {
  args.noMorePositionals(0);
  const which = args.oneOf(['topic', 'broker']);
  if (which === undefined) throw args.usage('give --topic TOPIC or --broker ID');
  if (which === 'broker') {
    const id = args.integer('broker', 0);
    return { type: ConfigResourceTypes.BROKER, name: String(id), label: `broker ${id}` };
  }
  const topic = args.string('topic')!;
  return { type: ConfigResourceTypes.TOPIC, name: topic, label: `topic ${topic}` };
}

const sourceName = (source: number): string => (Object.keys(ConfigSource).find((k) => ConfigSource[k as keyof typeof ConfigSource] === source) ?? String(source)).toLowerCase();

async function describe(argv: readonly string[]): Promise<number> {
  return runWithArgs(DESCRIBE, argv, async (args) => {
    const resource = resourceFrom(args);
    const response = await withAdmin(kafkaFromArgs(args), (admin) => admin.describeConfigs({ resources: [{ type: resource.type, name: resource.name }] }));
    const described = response.resources[0];
    if (!described || described.errorCode !== 0) throw new KafkaJSNonRetriableError(`describing the configs of ${resource.label} failed: ${described?.errorMessage ?? `error code ${described?.errorCode}`}`);
    const entries = described.configEntries.filter((e) => args.flag('all') || (!e.isDefault && e.configSource !== ConfigSource.DEFAULT_CONFIG));
    const rows = [...entries]
      .sort((a, b) => a.configName.localeCompare(b.configName))
      .map((e) => [e.configName, e.isSensitive ? '(sensitive)' : (e.configValue ?? '(null)'), sourceName(e.configSource), e.readOnly ? 'yes' : 'no']);
    printLines(rows.length > 0 ? formatTable(['NAME', 'VALUE', 'SOURCE', 'READ-ONLY'], rows) : [`${resource.label}: no configs differ from the defaults`]);
    return ExitCode.OK;
  });
}

async function alter(argv: readonly string[]): Promise<number> {
  return runWithArgs(ALTER, argv, async (args) => {
    const resource = resourceFrom(args);
    const configEntries: IncrementalConfigEntry[] = [
      ...args.list('set').map((s) => ({ ...keyValue(s, 'set', ALTER.command), operation: AlterConfigOpTypes.SET })),
      ...args.list('delete').map((name) => ({ name, operation: AlterConfigOpTypes.DELETE })),
    ];
    if (configEntries.length === 0) throw args.usage('nothing to change: give --set NAME=VALUE or --delete NAME');
    const result = await withAdmin(kafkaFromArgs(args), (admin) => admin.incrementalAlterConfigs({ resources: [{ type: resource.type, name: resource.name, configEntries }] }));
    const failed = result.resources.find((r) => r.errorCode !== 0);
    if (failed) throw new KafkaJSNonRetriableError(`altering the configs of ${resource.label} failed: ${failed.errorMessage ?? `error code ${failed.errorCode}`}`);
    process.stdout.write(`altered ${configEntries.length} config${configEntries.length === 1 ? '' : 's'} of ${resource.label}\n`);
    return ExitCode.OK;
  });
}

/** `tskafka configs`. */
export const CONFIGS: SubcommandTable = {
  command: 'configs',
  summary: 'Describe and alter topic and broker configs.',
  subcommands: {
    describe: { summary: 'Configs that differ from the defaults (--all: every one).', run: describe },
    alter: { summary: 'Set (--set) or remove (--delete) configs.', run: alter },
  },
};

/** Run `tskafka configs ...`; resolves to the exit code. */
export function configsCommand(argv: readonly string[]): Promise<number> {
  return dispatch(CONFIGS, argv);
}

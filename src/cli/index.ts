/**
 * The `tskafka` command line: one file per command, dispatched from here. Exit
 * codes: 0 ok, 1 a runtime failure (a broker's error, a failed send, no broker
 * reachable), 2 a usage error (unknown command or option, missing argument).
 */
import { ExitCode, UsageError } from './args.js';

const USAGE = `usage: tskafka <command> [options]

commands:
  topics      list|create|describe|alter|delete topics
  groups      list|describe|reset-offsets|delete consumer groups (members, lag per partition)
  produce     produce lines or JSON records from stdin or a file to a topic
  consume     consume a topic and print its records (kcat-like formats, JSON, -e to exit at the end)
  acls        list|create|delete ACLs
  configs     describe|alter topic and broker configs
  perf        produce|consume: throughput and latency percentiles, live progress, --chart FILE.svg
  broker      run the embedded Kafka-compatible broker (tskafka broker --help)
  demo        produce 1,000,000 order events with the reliable profile and read them back
              (--brokers host:port to use any Kafka; --count N)
  selfcheck   encode and decode a real Kafka exchange over a loopback socket and print each step
  help        this text

Every command takes --help. Brokers: --brokers host:port[,...] or KAFKA_BROKERS.
exit codes: 0 ok, 1 runtime failure (broker error, failed send, broker unreachable), 2 usage error
`;

type Command = (argv: readonly string[]) => Promise<number>;

// Loaded on use: a verb's start-up then loads only the client or the broker it needs.
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  topics: async () => (await import('./topics.js')).topicsCommand,
  groups: async () => (await import('./groups.js')).groupsCommand,
  produce: async () => (await import('./produce.js')).produceCommand,
  consume: async () => (await import('./consume.js')).consumeCommand,
  acls: async () => (await import('./acls.js')).aclsCommand,
  configs: async () => (await import('./configs.js')).configsCommand,
  perf: async () => (await import('./perf.js')).perfCommand,
  broker: async () => {
    const { brokerCommand } = await import('./broker.js');
    return (argv) => brokerCommand(argv, (line) => console.log(line));
  },
  demo: async () => {
    const { demoCommand } = await import('./demo.js');
    return (argv) => demoCommand(argv, (line) => console.log(line));
  },
  selfcheck: async () => {
    const { selfCheck } = await import('./selfcheck.js');
    return (argv) => selfCheck(argv, (line) => console.log(line));
  },
};

/** The verbs whose failures are reported here, with the exit codes scripts rely on. */
const VERBS = new Set(['topics', 'groups', 'produce', 'consume', 'acls', 'configs', 'perf']);

/** Run the command line; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return ExitCode.OK;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    process.stderr.write(`tskafka: unknown command "${command}"\n\n${USAGE}`);
    return ExitCode.USAGE;
  }
  const run = await load();
  // broker, demo and selfcheck keep their own error reporting (their callers print what they throw).
  if (!VERBS.has(command)) return run(rest);
  try {
    return await run(rest);
  } catch (e) {
    return reportFailure(e);
  }
}

/** A usage error exits 2 with a pointer to --help; anything else exits 1 with its message, no stack trace. */
function reportFailure(e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`tskafka ${e.command}: ${e.message}\n(see "tskafka ${e.command} --help")\n`);
    return ExitCode.USAGE;
  }
  const message = e instanceof Error ? describeError(e) : String(e);
  process.stderr.write(`tskafka: error: ${message}\n`);
  return ExitCode.FAILURE;
}

/** The message of an error and of its causes (a retrier's "retries exceeded" wraps the broker's error). */
function describeError(e: Error): string {
  const parts = [e.message];
  let cause: unknown = (e as { cause?: unknown; originalError?: unknown }).originalError ?? e.cause;
  for (let depth = 0; cause instanceof Error && depth < 3; depth++) {
    const { message } = cause;
    if (!parts.some((p) => p.includes(message))) parts.push(message);
    cause = (cause as { originalError?: unknown }).originalError ?? cause.cause;
  }
  return parts.join(': ');
}

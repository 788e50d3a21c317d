/**
 * `tskafka produce <topic>`: one record per input line (stdin or `--file`), as
 * kcat -P and kafka-console-producer.sh: `-K SEP` splits a key off each line,
 * `--headers` adds headers to every record, `--json` reads each line as
 * `{ key, value, headers, partition, timestamp }`. Records go out in sends of up
 * to {@link CHUNK} records, a few in flight, so the producer batches them. A
 * summary goes to stderr; any record not acknowledged makes the exit code 1.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Message } from '../producer/message.js';
import { type Acks } from '../producer/producer-config.js';
import { type CommandSpec, type OptionSpec, type ParsedArgs, ExitCode, keyValue, runWithArgs } from './args.js';
import { CONNECTION_OPTIONS, kafkaFromArgs } from './cli-client.js';

/** Producer options `produce` and `perf produce` share. */
export const PRODUCER_OPTIONS: readonly OptionSpec[] = Object.freeze([
  { name: 'acks', kind: 'value', arg: 'all|1|0', help: 'acknowledgements to wait for (default all)' },
  { name: 'compression', short: 'z', kind: 'value', arg: 'CODEC', help: 'none, gzip, snappy, lz4 or zstd (default none)' },
] satisfies OptionSpec[]);

const SPEC: CommandSpec = {
  command: 'produce',
  positionals: '<topic>',
  summary: 'Produce one record per input line (stdin, or --file) to a topic. Empty lines are skipped.',
  options: [
    { name: 'file', short: 'f', kind: 'value', arg: 'FILE', help: 'read lines from FILE instead of stdin' },
    { name: 'key-separator', short: 'K', kind: 'value', arg: 'SEP', help: 'split each line at the first SEP into key and value (no SEP: no key)' },
    { name: 'headers', short: 'H', kind: 'list', arg: 'K=V[,K=V...]', help: 'headers for every record' },
    { name: 'json', kind: 'flag', help: 'each line is a JSON object {"key","value","headers","partition","timestamp"}' },
    { name: 'partition', short: 'p', kind: 'value', arg: 'N', help: 'produce to partition N (default: the partitioner, by key)' },
    ...PRODUCER_OPTIONS,
    ...CONNECTION_OPTIONS,
  ],
  notes: 'example: printf "user-1:hello\\n" | tskafka produce orders -K : -H source=cli',
};

/** Records per `send` call. */
const CHUNK = 500;
/** `send` calls in flight at once. */
const IN_FLIGHT = 8;

/** `--acks` as the producer takes it. */
export function parseAcksOption(args: ParsedArgs): Acks | undefined {
  const text = args.string('acks');
  if (text === undefined) return undefined;
  if (text === 'all' || text === '-1') return -1;
  if (text === '0' || text === '1') return Number(text) as Acks;
  throw args.usage(`--acks must be all, -1, 1 or 0, got ${JSON.stringify(text)}`);
}

/** `--compression`, checked against the codecs the producer knows. */
export function parseCompressionOption(args: ParsedArgs): string | undefined {
  const text = args.string('compression');
  if (text !== undefined && !['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(text)) throw args.usage(`--compression must be none, gzip, snappy, lz4 or zstd, got ${JSON.stringify(text)}`);
  return text;
}

function parseHeaders(args: ParsedArgs): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const list of args.list('headers')) {
    for (const pair of list.split(',')) {
      const { name, value } = keyValue(pair, 'headers', SPEC.command);
      headers[name] = value;
    }
  }
  return headers;
}

/** A `--json` line as a message; throws naming what is wrong with it. */
function jsonMessage(line: string): Message {
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not a JSON object');
  const o = parsed as Record<string, unknown>;
  const text = (v: unknown, field: string): string | null => {
    if (v === undefined || v === null) return null;
    if (typeof v === 'string') return v;
    if (field === 'value' || field === 'key') return JSON.stringify(v);
    throw new TypeError(`"${field}" must be a string`);
  };
  const message: Message = { key: text(o.key, 'key'), value: text(o.value, 'value') };
  if (o.headers !== undefined && o.headers !== null) {
    if (typeof o.headers !== 'object' || Array.isArray(o.headers)) throw new TypeError('"headers" must be an object of strings');
    message.headers = Object.fromEntries(Object.entries(o.headers).map(([k, v]) => [k, text(v, `headers.${k}`) ?? '']));
  }
  if (o.partition !== undefined) {
    if (!Number.isInteger(o.partition) || (o.partition as number) < 0) throw new TypeError('"partition" must be an integer >= 0');
    message.partition = o.partition as number;
  }
  if (o.timestamp !== undefined) message.timestamp = o.timestamp as number | string;
  return message;
}

async function produce(args: ParsedArgs): Promise<number> {
  const topic = args.positional(0, 'the topic to produce to');
  args.noMorePositionals(1);
  const separator = args.string('key-separator');
  if (separator === '') throw args.usage('--key-separator must not be empty');
  const json = args.flag('json');
  if (json && separator !== undefined) throw args.usage('--json and --key-separator cannot be used together');
  const partition = args.integer('partition', 0);
  const headers = parseHeaders(args);
  const acks = parseAcksOption(args);
  const compression = parseCompressionOption(args);
  const file = args.string('file');
  const kafka = kafkaFromArgs(args);

  const toMessage = (line: string): Message => {
    const message: Message = json ? jsonMessage(line) : { value: line };
    if (!json && separator !== undefined) {
      const at = line.indexOf(separator);
      if (at !== -1) Object.assign(message, { key: line.slice(0, at), value: line.slice(at + separator.length) });
    }
    if (Object.keys(headers).length > 0) message.headers = { ...headers, ...message.headers };
    if (partition !== undefined && message.partition === undefined) message.partition = partition;
    return message;
  };

  const producer = kafka.producer({ ...(acks !== undefined ? { acks } : {}), ...(compression !== undefined ? { compression } : {}), retry: { retries: 2 } });
  await producer.connect();
  let produced = 0;
  let failed = 0;
  let firstError = '';
  const fail = (count: number, reason: string): void => {
    failed += count;
    if (firstError === '') firstError = reason;
  };
  const inFlight = new Set<Promise<void>>();
  const send = async (messages: Message[]): Promise<void> => {
    const p = producer.send({ topic, messages }).then(
      () => void (produced += messages.length),
      (e: unknown) => fail(messages.length, e instanceof Error ? e.message : String(e)),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  };

  try {
    const input = file !== undefined ? createReadStream(file) : process.stdin;
    const lines = createInterface({ input, crlfDelay: Infinity });
    let chunk: Message[] = [];
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber++;
      if (line === '') continue;
      try {
        chunk.push(toMessage(line));
      } catch (e) {
        fail(1, `line ${lineNumber}: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      if (chunk.length >= CHUNK) {
        await send(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await send(chunk);
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  const total = produced + failed;
  process.stderr.write(
    failed === 0
      ? `produced ${produced} record${produced === 1 ? '' : 's'} to ${topic}\n`
      : `produced ${produced} of ${total} records to ${topic}; ${failed} failed: ${firstError}\n`,
  );
  return failed === 0 ? ExitCode.OK : ExitCode.FAILURE;
}

/** Run `tskafka produce ...`; resolves to the exit code. */
export function produceCommand(argv: readonly string[]): Promise<number> {
  return runWithArgs(SPEC, argv, produce);
}

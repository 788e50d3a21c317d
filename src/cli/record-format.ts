/**
 * How `tskafka consume` prints a record: kcat's `-f` format tokens, or one JSON
 * object a line. The format is compiled once into parts, not re-parsed per record.
 *
 * | token | output |
 * | --- | --- |
 * | `%t` `%p` `%o` | topic, partition, offset |
 * | `%k` `%s` | key, value (empty when null) |
 * | `%K` `%S` | key length, value length in bytes (-1 when null) |
 * | `%h` | headers as `name=value` joined by `,` |
 * | `%T` | timestamp, ms since the epoch |
 * | `%%` | a percent sign |
 *
 * and the escapes `\n`, `\r`, `\t`, `\\`, as kcat.
 */
import { type ConsumerMessage, type ConsumerMessageHeaders } from '../consumer/consumer-message.js';
import { UsageError } from './args.js';

/** A record to print, with its topic and partition. */
export interface PrintedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly message: ConsumerMessage;
}

/** Turns a record into the text printed for it. */
export type RecordFormatter = (record: PrintedRecord) => string;

/** kcat's default: the value, a newline. */
export const DEFAULT_FORMAT = '%s\\n';

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '\\': '\\' };

function headerPairs(headers: ConsumerMessageHeaders): string[] {
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) pairs.push(`${name}=${v.toString('utf8')}`);
  }
  return pairs;
}

const TOKENS: Readonly<Record<string, RecordFormatter>> = {
  t: (r) => r.topic,
  p: (r) => String(r.partition),
  o: (r) => r.message.offset,
  k: (r) => r.message.key?.toString('utf8') ?? '',
  s: (r) => r.message.value?.toString('utf8') ?? '',
  K: (r) => String(r.message.key?.length ?? -1),
  S: (r) => String(r.message.value?.length ?? -1),
  h: (r) => headerPairs(r.message.headers).join(','),
  T: (r) => r.message.timestamp,
};

/**
 * Compile a kcat-style format.
 *
 * @throws UsageError naming an unknown token
 */
export function compileFormat(format: string): RecordFormatter {
  const parts: (string | RecordFormatter)[] = [];
  let text = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    const next = format[i + 1];
    if (c === '\\' && next !== undefined && Object.hasOwn(ESCAPES, next)) {
      text += ESCAPES[next];
      i++;
    } else if (c === '%') {
      if (next === '%') text += '%';
      else if (next !== undefined && Object.hasOwn(TOKENS, next)) {
        if (text !== '') parts.push(text);
        text = '';
        parts.push(TOKENS[next]!);
      } else throw new UsageError(`--format: unknown token %${next ?? ''} (known: ${Object.keys(TOKENS).map((t) => `%${t}`).join(' ')} %%)`, 'consume');
      i++;
    } else text += c;
  }
  if (text !== '') parts.push(text);
  return (record) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(record);
    return out;
  };
}

/** One JSON object a line: topic, partition, offset, timestamp, key, value, headers (strings, UTF-8). */
export const jsonFormatter: RecordFormatter = ({ topic, partition, message }) => {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.map((v) => v.toString('utf8')) : value.toString('utf8');
  }
  const record = {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    key: message.key?.toString('utf8') ?? null,
    value: message.value?.toString('utf8') ?? null,
    headers,
  };
  return `${JSON.stringify(record)}\n`;
};

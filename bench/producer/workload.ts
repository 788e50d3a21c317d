/**
 * The producer benchmark's workload, shared by every client script in clients/: the
 * cases, the messages, the timing loop and the one JSON line a client prints. Each
 * client only connects its library and says how it sends records `first..first+n-1`.
 *
 * A client script is run as a child process by run.ts:
 *
 *   node --import tsx bench/producer/clients/<client>.ts --brokers host:port --topic T --case a|b|c|d1|d2 --count N [--max-seconds S]
 *
 * `--count` is the number of records measured, after a short warm-up into the same topic.
 * `--max-seconds` ends the measurement after the wave (or awaited send) that crosses it,
 * so a slow client cannot hold the benchmark up: the result says how many records it sent.
 */
import { type BaseClientResult, brokersAndTopic, caseArg, maxSecondsArg, parseScriptArgs, runScript } from '../shared/client-script.js';

export { COMPETITORS_DIR } from '../shared/competitors.js';
export { SKIP_EXIT_CODE, SkipCase, libraryVersion } from '../shared/client-script.js';

/** What differs between the cases: the (a), (b), (c), (d) with zstd as d2. */
export interface CaseSpec {
  readonly id: CaseId;
  readonly title: string;
  /** Records per `send` call. */
  readonly messagesPerSend: number;
  /** Sends fired before awaiting them all; 1 = each send awaited on its own. */
  readonly sendsPerWave: number;
  /** The producer's linger, ms; undefined = the client's own default. */
  readonly lingerMs: number | undefined;
  readonly acks: 1 | -1;
  readonly idempotent: boolean;
  readonly compression: 'none' | 'zstd';
  /** Records sent, and not measured, before the clock starts (connections, metadata, JIT). */
  readonly warmupRecords: number;
  /** Records measured unless `--count` (or BENCH_SCALE in run.ts) says otherwise. */
  readonly defaultRecords: number;
}

export type CaseId = 'a' | 'b' | 'c' | 'd1' | 'd2';

const WAVE = 2_000;

/**
 * The cases by id; `defaultRecords` are the counts (5,000 sends; 2,000 x 100; 200,000).
 *
 * Linger is 0 in every case for the two clients that have one (tskafka, node-rdkafka):
 * KafkaJS and @platformatic/kafka have no linger, and in (c) and (d) the waves bring the
 * batching themselves (a wave's sends are appended in one synchronous burst, so its
 * records share batches with no wait). A linger would only add a wait at the end of every
 * wave, for the two clients that have one: with their default 5 ms, a wave of 2,000 could
 * not finish in less than 5 ms whatever the client does.
 */
export const CASES: Readonly<Record<CaseId, CaseSpec>> = Object.freeze({
  a: { id: 'a', title: 'awaited single sends, 1 record each, linger 0, acks 1', messagesPerSend: 1, sendsPerWave: 1, lingerMs: 0, acks: 1, idempotent: false, compression: 'none', warmupRecords: 200, defaultRecords: 5_000 },
  b: { id: 'b', title: 'awaited sends of 100 records, linger 0, acks 1', messagesPerSend: 100, sendsPerWave: 1, lingerMs: 0, acks: 1, idempotent: false, compression: 'none', warmupRecords: 2_000, defaultRecords: 200_000 },
  c: { id: 'c', title: `single-record sends in waves of ${WAVE.toLocaleString('en-US')}, each wave awaited, linger 0, acks 1`, messagesPerSend: 1, sendsPerWave: WAVE, lingerMs: 0, acks: 1, idempotent: false, compression: 'none', warmupRecords: 10 * WAVE, defaultRecords: 200_000 },
  d1: { id: 'd1', title: 'as (c), acks -1, idempotent', messagesPerSend: 1, sendsPerWave: WAVE, lingerMs: 0, acks: -1, idempotent: true, compression: 'none', warmupRecords: 10 * WAVE, defaultRecords: 200_000 },
  d2: { id: 'd2', title: 'as (c), acks -1, idempotent, zstd', messagesPerSend: 1, sendsPerWave: WAVE, lingerMs: 0, acks: -1, idempotent: true, compression: 'zstd', warmupRecords: 10 * WAVE, defaultRecords: 200_000 },
});

/** Case ids in the order they run. */
export const CASE_IDS = Object.keys(CASES) as CaseId[];

/** Keys `k0..k999`: record i has key `k${i % 1000}`. */
export const KEY_COUNT = 1_000;
/** Every value is this long. */
export const VALUE_BYTES = 100;

/** The keys as strings, for clients that take strings. */
export const KEYS: readonly string[] = Array.from({ length: KEY_COUNT }, (_, i) => `k${i}`);
/** The same keys as Buffers, for clients that take bytes. */
export const KEY_BUFFERS: readonly Buffer[] = KEYS.map((k) => Buffer.from(k));

/**
 * One 100-byte value per key: lowercase letters from a fixed PRNG, so every client
 * sends the same bytes and zstd sees text that compresses as JSON-ish payloads do,
 * not one value repeated.
 */
export const VALUES: readonly Buffer[] = (() => {
  let a = 0x5eed;
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: KEY_COUNT }, () => {
    const value = Buffer.allocUnsafe(VALUE_BYTES);
    for (let i = 0; i < VALUE_BYTES; i++) value[i] = 97 + Math.floor(next() * 26);
    return value;
  });
})();

/** Sends records `first..first+count-1` (key and value `i % 1000`) as one send call. */
export type SendRecords = (first: number, count: number) => Promise<unknown>;

/** The JSON line a client prints: the only thing run.ts reads from its stdout. */
export interface ClientResult extends BaseClientResult<CaseId> {
  /** Megabytes (10^6) of values per second. */
  mbPerSec: number;
  /** Per awaited send in (a) and (b), per wave in (c) and (d). */
  p50Ms: number;
  p99Ms: number;
  /** Largest RSS seen, sampled every 50 ms from start-up to the end of the run. */
  peakRssMb: number;
}

export interface ClientArgs {
  brokers: string[];
  topic: string;
  spec: CaseSpec;
  records: number;
  /** Stop measuring after this many seconds, even short of `records`. */
  maxSeconds: number;
}

/** Parse `--brokers --topic --case --count` or throw naming the bad argument. */
export function parseClientArgs(argv: readonly string[] = process.argv.slice(2)): ClientArgs {
  const values = parseScriptArgs(argv, ['count']);
  const { brokers, topic } = brokersAndTopic(values);
  const caseId = caseArg(values.case, CASES);
  const spec = CASES[caseId];
  const records = values.count === undefined ? spec.defaultRecords : Number(values.count);
  const unit = spec.messagesPerSend * spec.sendsPerWave;
  if (!Number.isInteger(records) || records < unit || records % spec.messagesPerSend !== 0) {
    throw new Error(`--count must be a positive multiple of ${spec.messagesPerSend}, at least ${unit}, for case ${caseId}; got ${values.count}`);
  }
  const maxSeconds = maxSecondsArg(values['max-seconds']);
  return { brokers, topic, spec, records, maxSeconds };
}

/** Samples RSS every 50 ms from now on; `peakMb()` is the largest seen. */
export function startRssSampler(): { peakMb(): number; stop(): void } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
  }, 50);
  timer.unref();
  return {
    peakMb: () => Math.max(peak, process.memoryUsage.rss()) / 1e6,
    stop: () => clearInterval(timer),
  };
}

/**
 * Sends up to `records` records from index `from` in the case's shape, stopping early
 * once `deadline` (performance.now() ms) has passed; the records sent and the latency
 * (ms) of each wave.
 */
async function sendWaves(spec: CaseSpec, send: SendRecords, from: number, records: number, deadline = Number.POSITIVE_INFINITY): Promise<{ sent: number; latencies: Float64Array }> {
  const perWave = spec.messagesPerSend * spec.sendsPerWave;
  const latencies = new Float64Array(Math.ceil(records / perWave));
  const pending: Promise<unknown>[] = new Array<Promise<unknown>>(spec.sendsPerWave);
  let wave = 0;
  let next = from;
  for (const end = from + records; next < end && performance.now() < deadline; wave++) {
    const started = performance.now();
    if (spec.sendsPerWave === 1) {
      await send(next, spec.messagesPerSend);
      next += spec.messagesPerSend;
    } else {
      let fired = 0;
      for (; fired < spec.sendsPerWave && next < end; fired++, next += spec.messagesPerSend) {
        pending[fired] = send(next, spec.messagesPerSend);
      }
      pending.length = fired;
      await Promise.all(pending);
    }
    latencies[wave] = performance.now() - started;
  }
  return { sent: next - from, latencies: latencies.subarray(0, wave) };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/**
 * Warm up, then time `records` records through `send`, and build the result line.
 * The clock covers only the measured sends: connect and disconnect are outside it.
 */
export async function measure(client: string, library: string, args: ClientArgs, rss: { peakMb(): number }, send: SendRecords): Promise<ClientResult> {
  const { spec } = args;
  const warmup = Math.max(spec.messagesPerSend * spec.sendsPerWave, spec.warmupRecords);
  await sendWaves(spec, send, 0, warmup);
  const started = performance.now();
  const { sent: records, latencies } = await sendWaves(spec, send, warmup, args.records, started + args.maxSeconds * 1000);
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  return {
    client,
    library,
    case: spec.id,
    records,
    seconds: round(seconds, 3),
    recordsPerSec: Math.round(records / seconds),
    mbPerSec: round((records * VALUE_BYTES) / 1e6 / seconds, 2),
    p50Ms: round(percentile(latencies, 50), 3),
    p99Ms: round(percentile(latencies, 99), 3),
    peakRssMb: round(rss.peakMb(), 1),
    node: process.version,
  };
}

/**
 * A client script's main: parse the arguments, run `body`, print its result as one
 * JSON line, and exit (libraries that keep timers or native threads alive must not
 * hold the benchmark up). Errors go to stderr with exit code 1.
 */
export function runClient(body: (args: ClientArgs, rss: { peakMb(): number }) => Promise<ClientResult>): void {
  const rss = startRssSampler();
  runScript(
    () => parseClientArgs(),
    (args) => body(args, rss),
    () => rss.stop(),
  );
}

/**
 * The consumer benchmark's workload, shared by every client script in clients/: the
 * cases, the arguments, the progress tracker that decides when a client has read
 * everything, and the one JSON line a client prints. Each client only connects its
 * library and calls the tracker from its per-message or per-batch callback.
 *
 * Every client's handler reads each record's value, as a real handler would: it adds
 * `value.length` (0 for null) to the tracker's byte count, per message or by iterating
 * the batch. A client that skipped a value (or a lazy decoder that never decoded one)
 * fails its run: the count must be `records * VALUE_BYTES`.
 *
 * A client script is run as a child process by run.ts:
 *
 *   node --import tsx bench/consumer/clients/<client>.ts --brokers host:port --topic T
 *     --case a|b|c|memory --ends 166667,166667,... --group G [--max-seconds S]
 *
 * `--ends` is each partition's high watermark: the client is done when it has processed
 * every partition up to it. The clock and the CPU count start at the first record
 * processed (connect, group join and module loading are outside them) and stop when
 * the last partition reaches its end, or after `--max-seconds`.
 */
import { readFileSync } from 'node:fs';
import { type BaseClientResult, brokersAndTopic, caseArg, maxSecondsArg, parseScriptArgs, runScript } from '../shared/client-script.js';

export { SKIP_EXIT_CODE, SkipCase, libraryVersion } from '../shared/client-script.js';

export type CaseId = 'a' | 'b' | 'c' | 'memory';

export interface CaseSpec {
  readonly id: CaseId;
  readonly title: string;
  /** The callback shape: one record per call, or a batch per call. */
  readonly api: 'message' | 'batch';
  /** Consumers in the client process, all in one group. */
  readonly consumers: number;
  /** Records after which the handler awaits a 1 ms timer; 0 = never (the memory case slows the handler down). */
  readonly slowEvery: number;
}

/** The cases by id, in the order run.ts runs them. */
export const CASES: Readonly<Record<CaseId, CaseSpec>> = Object.freeze({
  a: { id: 'a', title: 'one consumer, per-message callback (eachMessage)', api: 'message', consumers: 1, slowEvery: 0 },
  b: { id: 'b', title: 'one consumer, per-batch callback (eachBatch)', api: 'batch', consumers: 1, slowEvery: 0 },
  c: { id: 'c', title: 'a group of 3 consumers in one process, per-batch callback', api: 'batch', consumers: 3, slowEvery: 0 },
  memory: { id: 'memory', title: 'one consumer, eachMessage awaiting a 1 ms timer every 20 records (handler slower than the fetcher)', api: 'message', consumers: 1, slowEvery: 20 },
});

export const CASE_IDS = Object.keys(CASES) as CaseId[];

/**
 * Whether clients commit as their defaults do (auto-commit on, the default) or not at all
 * (`BENCH_AUTOCOMMIT=0`: fetch, decode and dispatch only, every client alike).
 */
export const AUTO_COMMIT = process.env.BENCH_AUTOCOMMIT !== '0';

/** Partitions of the benchmark topic. */
export const PARTITIONS = 6;
/** Every value is this long. */
export const VALUE_BYTES = 100;

/** The JSON line a client prints: the only thing run.ts reads from its stdout. */
export interface ClientResult extends BaseClientResult<CaseId> {
  /** Records processed between the first record and the end (duplicates after a rebalance included). */
  records: number;
  /** User plus system CPU of the client process over the measured window, per record, in microseconds. */
  cpuUsPerRecord: number;
  /** The kernel's peak resident set size of the client process (VmHWM), MB. */
  peakRssMb: number;
  /** Whether every partition was read to its end (false when the time cap ended the run). */
  complete: boolean;
  /** Bytes of values the handler read: `records * VALUE_BYTES`, or the run fails. Absent for kcat (no handler: it prints nothing per record). */
  valueBytes?: number;
}

export interface ClientArgs {
  brokers: string[];
  topic: string;
  spec: CaseSpec;
  /** Each partition's end offset (high watermark), by partition index. */
  ends: number[];
  groupId: string;
  maxSeconds: number;
}

/** Parse the arguments or throw naming the bad one. */
export function parseClientArgs(argv: readonly string[] = process.argv.slice(2)): ClientArgs {
  const values = parseScriptArgs(argv, ['ends', 'group']);
  const { brokers, topic } = brokersAndTopic(values);
  if (!values.group) throw new Error('--group is required');
  const caseId = caseArg(values.case, CASES);
  const ends = (values.ends ?? '').split(',').map(Number);
  if (ends.length === 0 || ends.some((e) => !Number.isSafeInteger(e) || e < 0)) throw new Error(`--ends must list each partition's end offset, got ${values.ends}`);
  const maxSeconds = maxSecondsArg(values['max-seconds']);
  return { brokers, topic, spec: CASES[caseId], ends, groupId: values.group, maxSeconds };
}

/** The kernel's peak RSS of this process (VmHWM), MB: no sampling can miss a spike. */
export function peakRssMb(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return (Number(match[1]) * 1024) / 1e6;
  } catch {
    // Not Linux: fall back to the RSS now, a lower bound of the peak.
  }
  return process.memoryUsage.rss() / 1e6;
}

/**
 * Counts what a client processes and resolves `done` once every partition has been
 * processed up to its end offset. Called from the clients' callbacks, so it does no
 * allocation per record.
 */
export class Progress {
  readonly #ends: number[];
  /** Next offset to process, per partition. */
  readonly #positions: number[];
  #unfinished: number;
  #records = 0;
  #valueBytes = 0;
  #nextCapCheck = 4096;
  #startedAt = 0;
  #cpuAtStart: NodeJS.CpuUsage | null = null;
  #result: { records: number; seconds: number; cpuMicros: number; complete: boolean; valueBytes: number } | null = null;
  #resolve!: () => void;
  readonly #timer: NodeJS.Timeout;
  /** The measured window's length cap, ms (Infinity = none). */
  readonly #capMs: number;
  /** Resolves when every partition reached its end, or at the time cap. */
  readonly done: Promise<void>;

  constructor(ends: readonly number[], maxSeconds: number) {
    this.#ends = [...ends];
    this.#positions = ends.map(() => 0);
    this.#unfinished = ends.filter((e) => e > 0).length;
    this.done = new Promise<void>((resolve) => (this.#resolve = resolve));
    // The cap counts from start-up: a client that cannot even join must still end.
    this.#timer = setTimeout(() => this.#finish(false), maxSeconds * 1000 + 30_000);
    this.#timer.unref();
    this.#capMs = maxSeconds * 1000;
  }

  /** Whether the measurement has ended: clients stop calling and disconnect. */
  get finished(): boolean {
    return this.#result !== null;
  }

  /** `count` records of `partition` processed, the last at `lastOffset`, their values `valueBytes` long in all. */
  processed(partition: number, lastOffset: number, count: number, valueBytes: number): void {
    if (this.#result) return;
    if (this.#cpuAtStart === null) this.#start();
    this.#records += count;
    this.#valueBytes += valueBytes;
    const next = lastOffset + 1;
    const before = this.#positions[partition]!;
    if (next > before) {
      this.#positions[partition] = next;
      const end = this.#ends[partition]!;
      if (before < end && next >= end && --this.#unfinished === 0) this.#finish(true);
    }
    // The clock is read every few thousand records, not per record.
    if (this.#records >= this.#nextCapCheck) {
      this.#nextCapCheck = this.#records + 4096;
      if (performance.now() - this.#startedAt > this.#capMs) this.#finish(false);
    }
  }

  #start(): void {
    this.#cpuAtStart = process.cpuUsage();
    this.#startedAt = performance.now();
  }

  #finish(complete: boolean): void {
    if (this.#result) return;
    clearTimeout(this.#timer);
    const cpu = this.#cpuAtStart ? process.cpuUsage(this.#cpuAtStart) : { user: 0, system: 0 };
    this.#result = { records: this.#records, seconds: this.#cpuAtStart ? (performance.now() - this.#startedAt) / 1000 : 0, cpuMicros: cpu.user + cpu.system, complete, valueBytes: this.#valueBytes };
    this.#resolve();
  }

  /** The measurement, once `done` resolved; throws when the handler did not read every record's value. */
  result(client: string, library: string, spec: CaseSpec): ClientResult {
    const r = this.#result ?? { records: 0, seconds: 0, cpuMicros: 0, complete: false, valueBytes: 0 };
    if (r.valueBytes !== r.records * VALUE_BYTES) throw new Error(`${client}: the handler read ${r.valueBytes} bytes of values for ${r.records} records of ${VALUE_BYTES} bytes`);
    return {
      client,
      library,
      case: spec.id,
      records: r.records,
      seconds: Number(r.seconds.toFixed(3)),
      recordsPerSec: r.seconds > 0 ? Math.round(r.records / r.seconds) : 0,
      cpuUsPerRecord: r.records > 0 ? Number((r.cpuMicros / r.records).toFixed(3)) : Number.NaN,
      peakRssMb: Number(peakRssMb().toFixed(1)),
      complete: r.complete,
      valueBytes: r.valueBytes,
      node: process.version,
    };
  }
}

/**
 * A client script's main: parse the arguments, run `body`, print its result as one
 * JSON line, and exit (libraries that keep timers or native threads alive must not
 * hold the benchmark up). Errors go to stderr with exit code 1.
 */
export function runClient(body: (args: ClientArgs) => Promise<ClientResult>): void {
  runScript(() => parseClientArgs(), body);
}

/** A 1 ms timer, awaited by the memory case's handler every `slowEvery` records. */
export const sleep1ms = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

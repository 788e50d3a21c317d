/**
 * What `tskafka perf` measures: records and bytes over time, latencies, one sample
 * per interval (for the live line and the chart) and the run's summary with
 * percentiles (nearest rank, over every record, not an average of samples).
 */

/** One interval of a run. */
export interface PerfSample {
  /** Seconds since the run started, at the interval's end. */
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  /** Latency percentiles of the interval's records, ms; 0 when it had none. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** A run's totals. */
export interface PerfSummary {
  readonly records: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

const MB = 1024 * 1024;

/** The nearest-rank percentile `q` (0-1) of sorted values. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Counts records and keeps every latency (8 bytes each) for exact percentiles. */
export class PerfRecorder {
  readonly #now: () => number;
  readonly #start: number;
  #latencies = new Float64Array(1024);
  #count = 0;
  #records = 0;
  #bytes = 0;
  #intervalStart: number;
  #intervalRecords = 0;
  #intervalBytes = 0;
  #intervalFirstLatency = 0;
  readonly samples: PerfSample[] = [];

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#start = now();
    this.#intervalStart = this.#start;
  }

  get records(): number {
    return this.#records;
  }

  /** Records since the last sample. */
  get recordsSinceSample(): number {
    return this.#intervalRecords;
  }

  /** Ms since the run started. */
  elapsedMs(): number {
    return this.#now() - this.#start;
  }

  /** A record of `bytes` done, `latencyMs` after it was sent (or produced). */
  record(bytes: number, latencyMs: number): void {
    this.#records++;
    this.#bytes += bytes;
    this.#intervalRecords++;
    this.#intervalBytes += bytes;
    if (this.#count === this.#latencies.length) {
      const grown = new Float64Array(this.#latencies.length * 2);
      grown.set(this.#latencies);
      this.#latencies = grown;
    }
    this.#latencies[this.#count++] = latencyMs;
  }

  /** Close the current interval and start the next; the sample is also kept in {@link samples}. */
  sample(): PerfSample {
    const now = this.#now();
    const seconds = Math.max((now - this.#intervalStart) / 1000, 1e-3);
    const latencies = this.#latencies.slice(this.#intervalFirstLatency, this.#count).sort();
    const sample: PerfSample = {
      seconds: (now - this.#start) / 1000,
      recordsPerSecond: this.#intervalRecords / seconds,
      megabytesPerSecond: this.#intervalBytes / MB / seconds,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies.length > 0 ? latencies[latencies.length - 1]! : 0,
    };
    this.samples.push(sample);
    this.#intervalStart = now;
    this.#intervalRecords = 0;
    this.#intervalBytes = 0;
    this.#intervalFirstLatency = this.#count;
    return sample;
  }

  /** The whole run's totals and percentiles. */
  summary(): PerfSummary {
    const seconds = Math.max(this.elapsedMs() / 1000, 1e-3);
    const sorted = this.#latencies.slice(0, this.#count).sort();
    return {
      records: this.#records,
      bytes: this.#bytes,
      seconds,
      recordsPerSecond: this.#records / seconds,
      megabytesPerSecond: this.#bytes / MB / seconds,
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      max: sorted.length > 0 ? sorted[sorted.length - 1]! : 0,
    };
  }
}

const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The summary as the lines perf prints. */
export function summaryLines(s: PerfSummary, latencyName: string): string[] {
  return [
    `${s.records.toLocaleString('en-US')} records in ${fmt(s.seconds, 2)} s: ${fmt(s.recordsPerSecond)} records/s, ${fmt(s.megabytesPerSecond, 2)} MB/s`,
    `${latencyName} ms: p50 ${fmt(s.p50, 2)}, p95 ${fmt(s.p95, 2)}, p99 ${fmt(s.p99, 2)}, max ${fmt(s.max, 2)}`,
  ];
}

/**
 * The progress line: on a terminal, rewritten in place with a carriage return
 * every half second; otherwise (a pipe, a file) a plain line every 5 seconds, so
 * logs stay readable.
 */
export class ProgressLine {
  readonly #tty: boolean;
  readonly #timer: NodeJS.Timeout;
  readonly #render: () => string;
  readonly #out: NodeJS.WriteStream;
  #width = 0;

  /** @param everyMs - how often a terminal's line is redrawn (at most every 500 ms) */
  constructor(render: () => string, everyMs = 500, out: NodeJS.WriteStream = process.stdout) {
    this.#tty = out.isTTY === true;
    this.#render = render;
    this.#out = out;
    this.#timer = setInterval(() => (this.#tty ? this.#redraw() : out.write(`${render()}\n`)), this.#tty ? Math.min(everyMs, 500) : 5000);
    this.#timer.unref();
  }

  #redraw(): void {
    const line = this.#render();
    this.#out.write(`\r${line.padEnd(this.#width)}`);
    this.#width = line.length;
  }

  /** Stop updating; on a terminal, draw the final state and end the line, so the summary starts below it. */
  stop(): void {
    clearInterval(this.#timer);
    if (!this.#tty) return;
    this.#redraw();
    this.#out.write('\n');
  }
}

/** The live line's text for the records so far. */
export function progressText(recorder: PerfRecorder, target: number, last: PerfSample | undefined): string {
  const done = recorder.records;
  const pct = target > 0 ? Math.min(100, (done / target) * 100) : 0;
  const rate = last ? `${fmt(last.recordsPerSecond, 0)} records/s, ${fmt(last.megabytesPerSecond, 2)} MB/s, p99 ${fmt(last.p99, 1)} ms` : 'starting';
  return `${done.toLocaleString('en-US')}/${target.toLocaleString('en-US')} records (${fmt(pct, 0)}%) ${rate}`;
}

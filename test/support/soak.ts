/**
 * An exactly-once soak of the idempotent producer: many records, every
 * connection through the fault proxy in chaos mode (connections cut, Produce
 * answers dropped, swallowed and late, requests timing out), then every record
 * checked in the broker's partition logs (soak-check.ts). Used by the CI test
 * (test/soak/) at a small size and by bench/producer/soak.ts at full size.
 *
 * The workload: one topic; each producer owns a block of partitions (one
 * producer: all of them; two: half each, both sending at once); sends of one
 * record each, with an explicit partition, called in waves (`waveSize` calls in
 * one loop, then the wave is awaited), so a partition's order is the order of
 * the calls. A record's value names its producer, partition and k, its rank
 * among the partition's records.
 *
 * Every wait is bounded: past `deadlineMs` sending stops, chaos stops, and the
 * producers get a last, bounded flush and disconnect; the report then says what
 * never settled, and the logs are checked all the same.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { type Producer } from '../../src/producer/producer.js';
import { type ProducerConfig } from '../../src/producer/producer-config.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { type ChaosCounts, type ChaosOptions } from './chaos-schedule.js';
import { type FaultProxyStats, startFaultProxy } from './fault-proxy.js';
import { batchesOf } from './partition-log.js';
import { faultSeed } from './seeded-random.js';
import { type PartitionCheck, type PartitionExpectation, SendOutcome, checkPartition, soakValue } from './soak-check.js';

/**
 * The chaos the soak runs under unless told otherwise, per Produce request and
 * response: with the soak's 4 KiB batches, 100,000 records make about 1,000
 * Produce requests, so some 20 connections cut, 20 answers dropped with their
 * connection, 10 swallowed and 40 late (a sixth of them past the 1 s request
 * timeout). Swallowed and too-late answers cost a request timeout each: they
 * set the soak's length.
 */
export const SOAK_CHAOS: Readonly<Omit<ChaosOptions, 'seed'>> = Object.freeze({
  apiKey: ApiKey.Produce,
  dropConnectionRate: 0.02,
  dropOnResponseRate: 0.02,
  swallowRate: 0.01,
  delayRate: 0.04,
  maxDelayMs: 1200,
});

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** Records in all, split evenly between the producers. */
  readonly records: number;
  /** Partitions of the topic. Default 6. */
  readonly partitions?: number;
  /** Producer instances, each on its own block of partitions, sending at once. Default 1. */
  readonly producers?: number;
  /** Seed of the fault schedule. Default: `FAULT_SEED`, else a fresh one (seeded-random.ts). */
  readonly seed?: number;
  /** Send calls per wave. Default 2000. */
  readonly waveSize?: number;
  /** Bytes per record value. Default 100. */
  readonly valueBytes?: number;
  /** The faults; `seed` comes from above. Default {@link SOAK_CHAOS}. */
  readonly chaos?: Omit<ChaosOptions, 'seed'>;
  /** The client's request timeout, ms: a swallowed answer costs this much. Default 1000. */
  readonly requestTimeout?: number;
  /**
   * Options for each producer, over the soak's own: idempotent, acks -1, 5 in
   * flight, deliveryTimeoutMs 120000 (so nothing may legitimately time out),
   * batchSize 4096 (small batches: many requests, so many faults).
   */
  readonly producerConfig?: ProducerConfig;
  /**
   * A short deliveryTimeoutMs is given in producerConfig, so sends are expected to fail
   * by it (and epochs to be bumped): those failures are not problems, and their records
   * may be stored once or not at all; duplicates, reordering and lost acknowledged
   * records still are.
   */
  readonly deliveryTimeouts?: boolean;
  /** Ms for sending and flushing everything; past it the soak winds down and reports what never settled. Default 600000. */
  readonly deadlineMs?: number;
  /** Called with a progress line about every `progressEveryMs`. */
  readonly onProgress?: (line: string) => void;
  readonly progressEveryMs?: number;
}

/** One send that failed. */
export interface SoakRejection {
  readonly producer: number;
  readonly partition: number;
  readonly k: number;
  readonly error: string;
}

/** What a soak found. */
export interface SoakReport {
  readonly seed: number;
  /** Every record exactly once, in order, every send acknowledged with its offset, nothing left unsettled. */
  readonly ok: boolean;
  readonly records: number;
  readonly producers: number;
  /** From the first send to the end of the flush. */
  readonly seconds: number;
  readonly recordsPerSecond: number;
  /** Batch retries, summed over the producers (`producer.metrics().retries`). */
  readonly retries: number;
  /** Faults injected, by kind. */
  readonly faults: ChaosCounts;
  readonly proxy: FaultProxyStats;
  readonly rejected: number;
  /** Rejections per `ErrorName: message`. */
  readonly rejectionsByError: Readonly<Record<string, number>>;
  /** The first few rejections. */
  readonly firstRejections: readonly SoakRejection[];
  /** Sends still unsettled when the soak ended (past its deadline). */
  readonly unsettled: number;
  /** Records never sent: the deadline passed first. */
  readonly unsent: number;
  readonly partitions: readonly PartitionCheck[];
  /** Every failure, one line each; empty when `ok`. */
  readonly problems: readonly string[];
  /** The figures and the problems, as text, the seed first. */
  readonly summary: string;
}

const MAX_REJECTIONS_KEPT = 5;
const DISCONNECT_TIMEOUT_MS = 10_000;

/** A producer's share of the workload. */
interface Share {
  readonly index: number;
  readonly producer: Producer;
  readonly records: number;
  readonly expectations: PartitionExpectation[];
}

/** Run the soak: start a broker behind a chaos proxy, produce, check every partition. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const partitions = options.partitions ?? 6;
  const producerCount = options.producers ?? 1;
  const seed = options.seed ?? faultSeed();
  const waveSize = options.waveSize ?? 2000;
  const valueBytes = options.valueBytes ?? 100;
  const deadline = Date.now() + (options.deadlineMs ?? 600_000);
  if (!Number.isInteger(producerCount) || producerCount < 1 || producerCount > partitions) {
    throw new RangeError(`soak producers must be an integer from 1 to partitions (${partitions}), got ${producerCount}`);
  }
  const topic = 'soak';

  let running: RunningBroker | undefined;
  const proxy = await startFaultProxy(() => `127.0.0.1:${running!.port}`);
  const shares: Share[] = [];
  try {
    running = await startBroker({
      inMemory: true,
      port: 0,
      logLevel: 'nothing',
      properties: { 'advertised.listeners': `PLAINTEXT://${proxy.address}`, 'auto.create.topics.enable': false },
    });
    await running.broker.topics.create(topic, partitions, new Map());

    const perProducer = Math.floor(partitions / producerCount);
    for (let index = 0; index < producerCount; index++) {
      const owned = Array.from({ length: index === producerCount - 1 ? partitions - index * perProducer : perProducer }, (_, i) => index * perProducer + i);
      const records = Math.floor(options.records / producerCount) + (index === 0 ? options.records % producerCount : 0);
      const kafka = new Kafka({
        clientId: `soak-${index}`,
        brokers: [proxy.address],
        logLevel: logLevel.NOTHING,
        requestTimeout: options.requestTimeout ?? 1000,
        connectionTimeout: 1000,
        retry: { initialRetryTime: 50, maxRetryTime: 500, retries: 20 },
      });
      const producer = kafka.producer({
        idempotent: true,
        acks: -1,
        maxInFlightRequests: 5,
        deliveryTimeoutMs: 120_000,
        batchSize: 4096,
        retry: { initialRetryTime: 50, maxRetryTime: 500 },
        ...options.producerConfig,
      });
      // Partition i of the block gets records i, i + n, i + 2n, ...: counts per partition.
      const expectations = owned.map((partition, i): PartitionExpectation => {
        const count = Math.floor(records / owned.length) + (i < records % owned.length ? 1 : 0);
        return { producer: index, partition, count, outcome: new Uint8Array(count), ackedOffset: new Float64Array(count).fill(NaN), rejectedMayBeStored: options.deliveryTimeouts === true };
      });
      shares.push({ index, producer, records, expectations });
    }
    // Connected before the chaos starts: the soak is about produce, not bootstrap.
    await Promise.all(shares.map((s) => s.producer.connect()));

    const rejections: SoakRejection[] = [];
    const rejectionsByError: Record<string, number> = {};
    const reject = (share: Share, partition: number, k: number, error: unknown): void => {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      rejectionsByError[text] = (rejectionsByError[text] ?? 0) + 1;
      if (rejections.length < MAX_REJECTIONS_KEPT) rejections.push({ producer: share.index, partition, k, error: text });
    };

    const retries = (): number => shares.reduce((n, s) => n + s.producer.metrics().retries, 0);
    const started = Date.now();
    let sent = 0;
    const progress = options.onProgress
      ? setInterval(() => {
          const seconds = (Date.now() - started) / 1000;
          options.onProgress!(`${seconds.toFixed(0)} s: ${sent} of ${options.records} sent, ${retries()} retries, faults ${JSON.stringify(proxy.stats.chaos)}`);
        }, options.progressEveryMs ?? 5000)
      : undefined;

    proxy.chaos({ ...SOAK_CHAOS, ...options.chaos, seed });
    let windDown = '';
    try {
      /** Whether every record of the share was sent and its wave settled before the deadline. */
      const sendAll = async (share: Share): Promise<boolean> => {
        const { producer, expectations } = share;
        for (let i = 0; i < share.records; ) {
          if (Date.now() >= deadline) return false;
          const wave: Promise<unknown>[] = [];
          for (const end = Math.min(share.records, i + waveSize); i < end; i++) {
            const expect = expectations[i % expectations.length]!;
            const k = Math.floor(i / expectations.length);
            const { partition } = expect;
            expect.outcome[k] = SendOutcome.Pending;
            wave.push(
              producer.send({ topic, messages: [{ partition, value: soakValue(share.index, partition, k, valueBytes) }] }).then(
                ([meta]) => {
                  expect.outcome[k] = SendOutcome.Acknowledged;
                  expect.ackedOffset[k] = Number(meta?.baseOffset ?? NaN);
                },
                (error: unknown) => {
                  expect.outcome[k] = SendOutcome.Rejected;
                  reject(share, partition, k, error);
                },
              ),
            );
          }
          sent += wave.length;
          if (!(await settlesBy(Promise.all(wave), deadline))) return false;
        }
        return true;
      };
      const completed = await Promise.all(shares.map(sendAll));
      if (completed.includes(false)) windDown = `the deadline passed while sending (${sent} of ${options.records} records sent)`;
    } finally {
      proxy.stopChaos();
      clearInterval(progress);
    }
    // Without chaos, whatever is still pending has every chance to finish; a bounded chance.
    const flushBy = Math.max(deadline, Date.now() + DISCONNECT_TIMEOUT_MS);
    if (!(await settlesBy(Promise.all(shares.map((s) => s.producer.flush())), flushBy))) {
      windDown ||= 'flush did not finish by the deadline, although the faults had stopped';
    }
    const seconds = (Date.now() - started) / 1000;
    const disconnected = await settlesBy(
      Promise.all(shares.map((s) => s.producer.disconnect({ timeout: DISCONNECT_TIMEOUT_MS }))),
      Date.now() + 2 * DISCONNECT_TIMEOUT_MS,
    );
    const retried = retries();
    const faults = proxy.stats.chaos;
    const proxyStats = proxy.stats;

    // Nothing more may reach the logs once every connection is gone and the broker has finished with it.
    await proxy.close();
    await waitFor(() => running!.broker.connections.size === 0, Date.now() + 10_000);

    const checks: PartitionCheck[] = [];
    for (const share of shares) {
      for (const expect of share.expectations) checks.push(checkPartition(await batchesOf(running, topic, expect.partition), expect));
    }
    let unsettled = 0;
    let unsent = 0;
    for (const share of shares) {
      for (const expect of share.expectations) {
        for (const o of expect.outcome) {
          if (o === SendOutcome.Pending) unsettled++;
          else if (o === SendOutcome.NotSent) unsent++;
        }
      }
    }
    const rejected = Object.values(rejectionsByError).reduce((a, b) => a + b, 0);

    const problems: string[] = [];
    if (windDown) problems.push(`${windDown}; ${unsettled} sends never settled, ${unsent} records never sent`);
    if (!disconnected) problems.push(`disconnect did not finish within ${2 * DISCONNECT_TIMEOUT_MS} ms`);
    // With deliveryTimeouts, sends failed by their delivery timeout are expected; any other failure is not.
    const unexpected = options.deliveryTimeouts === true ? Object.entries(rejectionsByError).filter(([text]) => !text.startsWith('KafkaJSDeliveryTimeoutError')).reduce((n, [, c]) => n + c, 0) : rejected;
    if (unexpected > 0) {
      problems.push(`${rejected} sends rejected: ${JSON.stringify(rejectionsByError)}; first: ${rejections.map((r) => `producer ${r.producer} partition ${r.partition} k ${r.k}: ${r.error}`).join(' | ')}`);
    }
    for (const check of checks) problems.push(...check.problems);

    const acknowledged = options.records - rejected - unsettled - unsent;
    const report = {
      seed,
      ok: problems.length === 0,
      records: options.records,
      producers: producerCount,
      seconds,
      recordsPerSecond: acknowledged / seconds,
      retries: retried,
      faults,
      proxy: proxyStats,
      rejected,
      rejectionsByError,
      firstRejections: rejections,
      unsettled,
      unsent,
      partitions: checks,
      problems,
    };
    return { ...report, summary: summarize(report) };
  } finally {
    await Promise.all(shares.map((s) => settlesBy(s.producer.disconnect({ timeout: 1000 }), Date.now() + 5000)));
    await proxy.close();
    await running?.close();
  }
}

/** The report as text: seed and figures, then each partition, then every problem. */
function summarize(report: Omit<SoakReport, 'summary'>): string {
  const lines = [
    `soak seed ${report.seed} (replay: FAULT_SEED=${report.seed}): ${report.ok ? 'PASSED' : 'FAILED'}`,
    `${report.records} records, ${report.producers} producer(s), ${report.seconds.toFixed(1)} s, ${Math.round(report.recordsPerSecond)} records/s, ${report.retries} batch retries`,
    `faults injected: ${JSON.stringify(report.faults)}; proxy: ${report.proxy.requests} requests, ${report.proxy.accepted} connections, ${report.proxy.responsesSwallowed} responses discarded`,
    `sends: ${report.rejected} rejected, ${report.unsettled} never settled, ${report.unsent} never sent`,
    ...report.partitions.map(
      (p) =>
        `  producer ${p.producer} partition ${p.partition}: ${p.expected - p.notSent} sent, ${p.stored} stored, ${p.duplicates} duplicated, ${p.missing} missing, ${p.outOfOrder} out of order, ${p.wrongOffset} wrong offsets, ${p.storedRejected} stored though rejected; batches by producerId/epoch ${JSON.stringify(p.batchesByEpoch)}`,
    ),
    ...report.problems.map((p) => `PROBLEM ${p}`),
  ];
  return lines.join('\n');
}

/** Whether `promise` settles before `deadline` (epoch ms); a rejection counts as settled. */
async function settlesBy(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([promise.then(() => true, () => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Poll `condition` until it holds or `deadline` passes; whether it held. */
async function waitFor(condition: () => boolean, deadline: number): Promise<boolean> {
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}

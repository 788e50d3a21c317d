/**
 * The kill -9 loop of the reliability suite: tskafka's broker in a child process
 * on a data directory, fsyncing every write (`log.flush.interval.messages=1`),
 * takes a stream of sends from tskafka's idempotent producer (acks all, 5 in
 * flight) and is SIGKILLed again and again mid-stream, each time restarted on the
 * same directory and port. The producer rides through every restart on its own
 * retries. Every acknowledged value and its offset is recorded; at the end the
 * logs are read back in process and checked: every acknowledged record at its
 * offset, no record stored twice, a failed send's record once or not at all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBroker } from '../../src/broker/server.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';
import { type BrokerChild, startBrokerChild } from './broker-child.js';
import { recordsOf } from './partition-log.js';

/** What {@link runKillLoop} takes. */
export interface KillLoopOptions {
  /** How many times the broker is killed. */
  readonly kills: number;
  /** Time between a (re)start and the next kill, ms. */
  readonly killEveryMs: number;
  readonly partitions?: number;
  /** Sends in flight at once (each one record, awaited as a wave). */
  readonly wave?: number;
}

/** What it found. */
export interface KillLoopReport {
  readonly kills: number;
  readonly acknowledged: number;
  readonly failed: number;
  readonly stored: number;
  /** Acknowledged records missing, or not at the offset their send was told. */
  readonly lost: number;
  readonly duplicated: number;
  readonly problems: readonly string[];
  readonly seconds: number;
}

const TOPIC = 'kill-loop';

/** Run the loop; cleans up its directory and processes whatever happens. */
export async function runKillLoop(options: KillLoopOptions): Promise<KillLoopReport> {
  const partitions = options.partitions ?? 3;
  const wave = options.wave ?? 50;
  const dir = mkdtempSync(join(tmpdir(), 'tskafka-kill-loop-'));
  const started = Date.now();
  let broker: BrokerChild | undefined;
  const start = async (port: number): Promise<BrokerChild> =>
    startBrokerChild([
      '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`,
      '--override', `log.dirs=${dir}`,
      '--override', 'log.flush.interval.messages=1',
      '--override', `num.partitions=${partitions}`,
      '--log-level', 'error',
    ], 60_000);
  const acknowledged = new Map<string, { partition: number; offset: number }>();
  const failed = new Set<string>();
  try {
    broker = await start(0);
    const port = broker.port;
    const kafka = new Kafka({ clientId: 'kill-loop', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, requestTimeout: 3_000, connectionTimeout: 1_000 });
    const producer = kafka.producer({ idempotent: true, acks: -1, maxInFlightRequests: 5, deliveryTimeoutMs: 120_000, lingerMs: 2 });
    await producer.connect();
    let next = 0;
    let running = true;
    // The stream: waves of single-record sends to explicit partitions, awaited per wave.
    const stream = (async () => {
      while (running) {
        const sends: Promise<void>[] = [];
        for (let i = 0; i < wave; i++) {
          const value = `v${next++}`;
          const partition = next % partitions;
          sends.push(
            producer.send({ topic: TOPIC, messages: [{ partition, value }] }).then(
              ([meta]) => void acknowledged.set(value, { partition, offset: Number(meta!.baseOffset) }),
              () => void failed.add(value),
            ),
          );
        }
        await Promise.all(sends);
      }
    })();
    for (let kill = 0; kill < options.kills; kill++) {
      await sleep(options.killEveryMs);
      await broker.stop('SIGKILL');
      broker = await start(port);
    }
    await sleep(options.killEveryMs);
    running = false;
    await stream;
    await producer.disconnect({ timeout: 30_000 });
    await broker.stop('SIGKILL');
    broker = undefined;

    // Read back in process, from the same directory.
    const reader = await startBroker({ port: 0, logLevel: 'nothing', properties: { 'log.dirs': dir } });
    const problems: string[] = [];
    let stored = 0;
    let lost = 0;
    let duplicated = 0;
    try {
      const seen = new Map<string, number>();
      for (let p = 0; p < partitions; p++) {
        for (const r of await recordsOf(reader, TOPIC, p)) {
          stored++;
          const value = r.value!.toString();
          const earlier = seen.get(value);
          if (earlier !== undefined) {
            duplicated++;
            if (duplicated <= 3) problems.push(`${value} stored twice: partition ${p} offsets ${earlier} and ${r.offset}`);
          }
          seen.set(value, r.offset);
          const ack = acknowledged.get(value);
          if (ack && (ack.partition !== p || ack.offset !== r.offset) && earlier === undefined) {
            problems.push(`${value} acknowledged at ${ack.partition}/${ack.offset}, stored at ${p}/${r.offset}`);
          }
        }
      }
      for (const [value, ack] of acknowledged) {
        if (seen.get(value) !== ack.offset) {
          lost++;
          if (lost <= 3) problems.push(`${value} acknowledged at ${ack.partition}/${ack.offset} but not stored there`);
        }
      }
    } finally {
      await reader.close();
    }
    if (lost > 3) problems.push(`... ${lost} acknowledged records lost in all`);
    if (duplicated > 3) problems.push(`... ${duplicated} records stored twice in all`);
    return { kills: options.kills, acknowledged: acknowledged.size, failed: failed.size, stored, lost, duplicated, problems, seconds: (Date.now() - started) / 1000 };
  } finally {
    await broker?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

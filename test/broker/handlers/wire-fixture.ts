/**
 * What the raw handler tests of DescribeLogDirs, DescribeProducers and
 * ElectLeaders share: an in-process broker, a raw wire client on it (requests
 * encoded and answers decoded with the generated codecs at the version asked),
 * and a connected KafkaJS 2.2.4 admin to set the scene as a peer.
 */
import { Kafka, logLevel, type Admin as KafkaJSAdmin } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';
import { WireClient } from '../../support/wire-client.js';

const PROPERTIES = { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 };

/** One broker with its clients. */
export interface WireBroker {
  readonly broker: RunningBroker;
  readonly wire: WireClient;
  readonly kafka: Kafka;
  /** KafkaJS's admin, connected. */
  readonly admin: KafkaJSAdmin;
}

/** Brokers started by a test file; `close()` (in `after`) stops everything, newest first. */
export class WireBrokers {
  readonly #cleanups: (() => Promise<void> | void)[] = [];

  constructor(readonly clientId: string) {}

  /** Run `fn` at close (a producer's disconnect, a directory's removal). */
  defer(fn: () => Promise<void> | void): void {
    this.#cleanups.push(fn);
  }

  /** A broker (in memory unless `inMemory` is false) with the brief's properties and `properties`. */
  async start(properties: Record<string, string | number> = {}, inMemory = true): Promise<WireBroker> {
    const broker = await startBroker({ inMemory, port: 0, logLevel: 'nothing', properties: { ...PROPERTIES, ...properties } });
    this.defer(() => broker.close());
    const wire = await WireClient.connect(broker.port, this.clientId);
    this.defer(() => wire.destroy());
    const kafka = new Kafka({ clientId: this.clientId, brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    this.defer(() => admin.disconnect());
    return { broker, wire, kafka, admin };
  }

  async close(): Promise<void> {
    for (const c of this.#cleanups.splice(0).reverse()) await c();
  }
}

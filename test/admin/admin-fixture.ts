/**
 * What the admin tests share: an in-process broker, our admin built as
 * `kafka.admin()` will build it, and KafkaJS 2.2.4 (admin, producer, consumers)
 * as the peer that checks each effect, since it was written by nobody here.
 */
import { Kafka as KafkaJS, type Admin as KafkaJSAdmin, type Consumer as KafkaJSConsumer, type Producer as KafkaJSProducer, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { type Admin } from '../../src/admin/admin.js';
import { type AdminConfig } from '../../src/admin/admin-config.js';
import { type RunningBroker, type StartBrokerOptions, startBroker } from '../../src/broker/server.js';
import { type KafkaConfig } from '../../src/client/client-options.js';
import { logLevel } from '../../src/client/logger.js';
import { Kafka } from '../../src/kafka.js';

/** A broker, our admins (built by `kafka.admin()`) and KafkaJS peers; `close()` stops them all. */
export interface AdminFixture {
  readonly broker: RunningBroker;
  /** Our admin, connected. */
  readonly admin: Admin;
  /** KafkaJS's admin, connected. */
  readonly peer: KafkaJSAdmin;
  /** A KafkaJS client on the same broker. */
  readonly kafkajs: KafkaJS;
  /** Another admin of ours (not connected), e.g. with other options. */
  newAdmin(adminConfig?: AdminConfig, kafkaConfig?: Partial<KafkaConfig>): Admin;
  /** A connected KafkaJS producer. */
  producer(): Promise<KafkaJSProducer>;
  /** A KafkaJS consumer of `groupId` (not connected). */
  consumer(groupId: string): KafkaJSConsumer;
  close(): Promise<void>;
}

/** The broker options the brief asks for: one partition by default, no rebalance delay. */
export const BROKER_PROPERTIES = Object.freeze({ 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 });

/** Start a broker and connect our admin and KafkaJS's to it. */
export async function startAdminFixture(clientId: string, options: Partial<StartBrokerOptions> = {}): Promise<AdminFixture> {
  const broker = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', ...options, properties: { ...BROKER_PROPERTIES, ...options.properties } });
  const closers: (() => Promise<void>)[] = [];
  const newAdmin = (adminConfig: AdminConfig = {}, kafkaConfig: Partial<KafkaConfig> = {}): Admin => {
    const admin = new Kafka({ clientId, brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, ...kafkaConfig }).admin(adminConfig);
    closers.push(() => admin.disconnect());
    return admin;
  };
  const admin = newAdmin({ retry: { retries: 3, initialRetryTime: 50 } });
  await admin.connect();
  const kafkajs = new KafkaJS({ clientId: `${clientId}-kafkajs`, brokers: [broker.bootstrap], logLevel: kafkaJsLogLevel.NOTHING });
  const peer = kafkajs.admin();
  await peer.connect();
  closers.push(() => peer.disconnect());
  return {
    broker,
    admin,
    peer,
    kafkajs,
    newAdmin,
    async producer() {
      const producer = kafkajs.producer();
      await producer.connect();
      closers.push(() => producer.disconnect());
      return producer;
    },
    consumer(groupId) {
      const consumer = kafkajs.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, retry: { retries: 2 } });
      closers.push(() => consumer.disconnect());
      return consumer;
    },
    async close() {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await broker.close();
    },
  };
}

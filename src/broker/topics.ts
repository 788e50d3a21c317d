/**
 * The broker's topics: names, topic ids, partitions (each with its log), and
 * per-topic config overrides. Topic metadata is one small JSON file in the
 * data directory, replaced atomically (write, fsync, rename) on every change;
 * the records themselves live in the partition logs.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { type BrokerConfig, type TopicDefaults, validateTopicConfig } from './config.js';
import { type LogConfig, PartitionLog } from './log/partition-log.js';

/** A topic name Kafka would accept: [a-zA-Z0-9._-], 1-249 chars, not "." or "..". */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return 'the topic name is empty';
  if (name === '.' || name === '..') return `topic name "${name}" is not allowed`;
  if (name.length > 249) return `topic name is ${name.length} characters, more than 249`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return `topic name "${name}" has characters other than ASCII letters, digits, '.', '_' and '-'`;
  return null;
}

/** A partition of a topic: its log, leader epoch, and waiters for new data (Fetch long poll). */
export class Partition {
  /** One replica, never re-elected: the epoch stays 0. */
  readonly leaderEpoch = 0;
  readonly #waiters = new Set<() => void>();

  constructor(
    readonly topic: Topic,
    readonly index: number,
    readonly log: PartitionLog,
  ) {}

  #appendTail: Promise<unknown> = Promise.resolve();

  /**
   * Run `fn` with this partition's appends serialized: the idempotence check,
   * the offset assignment and the append happen as one step, even when the same
   * producer's retry arrives on a second connection while the first is in flight.
   */
  withAppendLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#appendTail.then(fn, fn);
    this.#appendTail = run.catch(() => undefined);
    return run;
  }

  /** Call `cb` on the next append; returns a function that cancels it. */
  onAppend(cb: () => void): () => void {
    this.#waiters.add(cb);
    return () => this.#waiters.delete(cb);
  }

  /** Wake every waiter (called after an append becomes visible). */
  notifyAppend(): void {
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w();
  }
}

export class Topic {
  readonly partitions: Partition[] = [];

  constructor(
    readonly name: string,
    readonly topicId: string,
    readonly overrides: Map<string, string | number>,
    readonly defaults: TopicDefaults,
  ) {}

  /** The effective value of a topic config: the override, else the broker default. */
  config<K extends keyof TopicDefaults>(key: K): TopicDefaults[K] {
    return (this.overrides.get(key) as TopicDefaults[K] | undefined) ?? this.defaults[key];
  }

  isInternal(): boolean {
    return this.name.startsWith('__');
  }
}

interface StoredTopic {
  name: string;
  topicId: string;
  partitions: number;
  configs: Record<string, string | number>;
}

const METADATA_FILE = 'tskafka-topics.json';

export class TopicRegistry {
  readonly #topics = new Map<string, Topic>();
  readonly #byId = new Map<string, Topic>();
  readonly #creating = new Map<string, Promise<Topic>>();

  private constructor(readonly config: BrokerConfig) {}

  /** Load the topics recorded in the data directory and open (recover) their logs. */
  static async open(config: BrokerConfig): Promise<TopicRegistry> {
    const registry = new TopicRegistry(config);
    if (config.logDir === null) return registry;
    mkdirSync(config.logDir, { recursive: true });
    const file = join(config.logDir, METADATA_FILE);
    if (!existsSync(file)) return registry;
    const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredTopic[];
    for (const s of stored) {
      const topic = new Topic(s.name, s.topicId, new Map(Object.entries(s.configs)), config.topicDefaults);
      for (let i = 0; i < s.partitions; i++) topic.partitions.push(new Partition(topic, i, await registry.#openLog(topic, i)));
      registry.#add(topic);
    }
    return registry;
  }

  get(name: string): Topic | undefined {
    return this.#topics.get(name);
  }

  byId(topicId: string): Topic | undefined {
    return this.#byId.get(topicId);
  }

  list(): Topic[] {
    return [...this.#topics.values()];
  }

  /** Validate configs for a new topic or an alteration; returns normalized values or throws BrokerConfigError. */
  validateConfigs(configs: Iterable<[string, string]>): Map<string, string | number> {
    const out = new Map<string, string | number>();
    for (const [k, v] of configs) out.set(k, validateTopicConfig(k, v));
    return out;
  }

  /** Create a topic; throws if the name is invalid or taken (also while another create of it is under way). */
  async create(name: string, numPartitions: number, configs: Map<string, string | number>): Promise<Topic> {
    const problem = topicNameProblem(name);
    if (problem) throw new Error(problem);
    if (this.#topics.has(name) || this.#creating.has(name)) throw new Error(`topic ${name} already exists`);
    const creating = (async () => {
      const topic = new Topic(name, randomBytes(16).toString('base64url'), configs, this.config.topicDefaults);
      for (let i = 0; i < numPartitions; i++) topic.partitions.push(new Partition(topic, i, await this.#openLog(topic, i)));
      this.#add(topic);
      this.#save();
      return topic;
    })();
    this.#creating.set(name, creating);
    try {
      return await creating;
    } finally {
      this.#creating.delete(name);
    }
  }

  /** The topic, created with broker defaults if absent (auto topic creation); concurrent callers share one creation. */
  async getOrCreate(name: string): Promise<Topic> {
    return this.#topics.get(name) ?? this.#creating.get(name) ?? this.create(name, this.config.numPartitions, new Map());
  }

  async delete(name: string): Promise<void> {
    const topic = this.#topics.get(name);
    if (!topic) return;
    this.#topics.delete(name);
    this.#byId.delete(topic.topicId);
    this.#save();
    for (const p of topic.partitions) {
      p.notifyAppend();
      await p.log.close();
      if (this.config.logDir !== null) rmSync(this.#partitionDir(topic, p.index), { recursive: true, force: true });
    }
  }

  async createPartitions(topic: Topic, count: number): Promise<void> {
    for (let i = topic.partitions.length; i < count; i++) topic.partitions.push(new Partition(topic, i, await this.#openLog(topic, i)));
    this.#save();
  }

  /** Replace (or, incrementally, update) a topic's overrides, and apply them to its open logs. */
  alterConfigs(topic: Topic, overrides: Map<string, string | number>): void {
    topic.overrides.clear();
    for (const [k, v] of overrides) topic.overrides.set(k, v);
    for (const p of topic.partitions) p.log.updateConfig(this.logConfig(topic));
    this.#save();
  }

  /** The log settings a topic's partitions run with. */
  logConfig(topic: Topic): LogConfig {
    return {
      segmentBytes: topic.config('segment.bytes'),
      segmentMs: topic.config('segment.ms'),
      indexIntervalBytes: topic.config('index.interval.bytes'),
      retentionMs: topic.config('retention.ms'),
      retentionBytes: topic.config('retention.bytes'),
      cleanupPolicy: topic.config('cleanup.policy').split(',') as ('delete' | 'compact')[],
      deleteRetentionMs: topic.config('delete.retention.ms'),
      minCompactionLagMs: topic.config('min.compaction.lag.ms'),
      flush: this.config.flush,
      messageTimestampType: topic.config('message.timestamp.type') as 'CreateTime' | 'LogAppendTime',
      maxMessageBytes: topic.config('max.message.bytes'),
    };
  }

  async close(): Promise<void> {
    for (const t of this.#topics.values()) {
      for (const p of t.partitions) {
        p.notifyAppend(); // release long-polling fetches
        await p.log.close();
      }
    }
  }

  #add(topic: Topic): void {
    this.#topics.set(topic.name, topic);
    this.#byId.set(topic.topicId, topic);
  }

  #partitionDir(topic: Topic, index: number): string {
    return join(this.config.logDir!, `${topic.name}-${index}`);
  }

  #openLog(topic: Topic, index: number): Promise<PartitionLog> {
    const dir = this.config.logDir === null ? null : this.#partitionDir(topic, index);
    return PartitionLog.open(dir, this.logConfig(topic));
  }

  /** Write the topic list atomically: a crash leaves the old file or the new one, never half of one. */
  #save(): void {
    if (this.config.logDir === null) return;
    const stored: StoredTopic[] = this.list().map((t) => ({
      name: t.name,
      topicId: t.topicId,
      partitions: t.partitions.length,
      configs: Object.fromEntries(t.overrides),
    }));
    const file = join(this.config.logDir, METADATA_FILE);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(stored, null, 2));
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
  }
}

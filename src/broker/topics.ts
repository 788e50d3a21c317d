/**
 * The broker's topics: names, topic ids, partitions (each with its log), and
 * per-topic config overrides. Topic metadata is one small JSON file in the
 * data directory (topic-store.ts); the records themselves live in the
 * partition logs.
 *
 * Every change (create, delete, add partitions, alter configs) is durable
 * before it takes effect: the new partitions' logs are opened, the file is
 * written and synced, and only then does the topic change in memory; if the
 * file cannot be written the change is undone (new directories removed) and
 * the caller gets KAFKA_STORAGE_ERROR. Changes run one at a time. A deleted
 * topic's directories take Kafka's `-delete` names in the same synchronous step
 * as the file's commit, so a topic created next under the same name starts in
 * fresh directories while the old files close.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type BrokerConfig, type TopicDefaults } from './config.js';
import { topicLogSettings, validateLogConfig, validateTopicConfigs } from './log/log-config.js';
import { FileLogDirectory } from './log/file-storage.js';
import { deleteDirName, partitionDirName, readPartitionTopicId, scanLogDir } from './log/log-dir-layout.js';
import { InconsistentTopicIdError, KafkaStorageError } from './log/log-errors.js';
import { type LogConfig, PartitionLog } from './log/partition-log.js';
import { type BrokerLogger, consoleLogger } from './logger.js';
import { InvalidPartitionsError, InvalidTopicError, TopicExistsError, UnknownTopicError } from './topic-errors.js';
import { topicNameProblem } from './topic-names.js';
import { REGISTRY_FILE, RegistryNotDurableError, type StoredTopic, newTopicId, planStartup, readRegistryFile, writeRegistryFile } from './topic-store.js';

export { topicNameProblem } from './topic-names.js';

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

/** The file's form of a topic, with its partition count and overrides as given. */
function stored(topic: Topic, partitions = topic.partitions.length, overrides: ReadonlyMap<string, string | number> = topic.overrides): StoredTopic {
  return { name: topic.name, topicId: topic.topicId, partitions, configs: Object.fromEntries(overrides) };
}

export class TopicRegistry {
  readonly #topics = new Map<string, Topic>();
  readonly #byId = new Map<string, Topic>();
  readonly #creating = new Map<string, Promise<Topic>>();
  /** The data directory (null in memory): where the registry file is. */
  #root: FileLogDirectory | null = null;
  /** Changes, one at a time: each writes the whole file from the state it leaves. */
  #changes: Promise<unknown> = Promise.resolve();
  /** Deleted partitions whose files are still closing or being removed; close() waits for them. */
  readonly #removals = new Set<Promise<void>>();
  /** Called in the synchronous step that deletes a topic: see {@link onDelete}. */
  readonly #deleteListeners = new Set<(topic: Topic) => void>();
  /**
   * The broker-level defaults of topic configs, every topic's `defaults`: server.properties
   * at first, replaced in place by dynamic broker configs ({@link reconfigure}).
   */
  readonly defaults: { -readonly [K in keyof TopicDefaults]: TopicDefaults[K] };
  /** The broker-level value of a topic config not in {@link defaults} (`flush.ms`, `min.cleanable.dirty.ratio`...), if set: see dynamic-config.ts. */
  #brokerDefault: (topicConfig: string) => string | number | undefined = () => undefined;

  private constructor(
    readonly config: BrokerConfig,
    readonly logger: BrokerLogger,
  ) {
    this.defaults = { ...config.topicDefaults };
  }

  /**
   * Loads the topics of the data directory and opens (recovers) their logs: the
   * ones the registry file lists, and any partition directory it does not list
   * (see topic-store.ts); deletions a restart interrupted are finished.
   *
   * @throws when the file cannot be read, or a partition directory belongs to another topic id than the file's
   */
  static async open(config: BrokerConfig, logger: BrokerLogger = consoleLogger()): Promise<TopicRegistry> {
    const registry = new TopicRegistry(config, logger);
    if (config.logDir === null) return registry;
    const logDir = config.logDir;
    const root = FileLogDirectory.open(logDir);
    registry.#root = root;
    const found = scanLogDir(logDir);
    for (const path of found.deleting) {
      // Kafka's LogManager deletes `-delete` directories left by a restart the same way.
      logger.info(`removing ${path}: a deleted partition whose removal a restart interrupted`);
      rmSync(path, { recursive: true, force: true });
    }
    const plan = planStartup(readRegistryFile(root), found, (path) => readPartitionTopicId(FileLogDirectory.open(path)));
    for (const { paths, problem } of plan.ignored) {
      logger.warn(`ignoring ${paths.join(', ')}: ${problem}, so no topic of this broker can be there`);
    }
    for (const s of plan.topics) {
      const topic = new Topic(s.name, s.topicId, new Map(Object.entries(s.configs)), registry.defaults);
      for (let i = 0; i < s.partitions; i++) {
        try {
          topic.partitions.push(new Partition(topic, i, await registry.#openLog(topic, i)));
        } catch (err) {
          if (!(err instanceof InconsistentTopicIdError)) throw err;
          throw new Error(`refusing to start: ${err.path} holds the records of topic id ${err.stored}, but ${REGISTRY_FILE} says topic ${s.name} has id ${err.expected}; move the directory elsewhere if it is not topic ${s.name}'s, or fix ${REGISTRY_FILE}`, { cause: err });
        }
      }
      registry.#add(topic);
    }
    if (plan.recovered.length > 0) {
      for (const r of plan.recovered) {
        logger.warn(
          r.newTopic
            ? `recovered topic ${r.topic} from partition directories ${REGISTRY_FILE} did not list (${r.paths.join(', ')}): it runs with the broker's default configs; any overrides it had are lost`
            : `recovered partition directories of topic ${r.topic} beyond the partition count ${REGISTRY_FILE} recorded (${r.paths.join(', ')})`,
        );
      }
      await writeRegistryFile(root, registry.list().map((t) => stored(t)));
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

  /** Validate configs for a new topic or an alteration (every Kafka topic config); returns normalized values or throws LogConfigError. */
  validateConfigs(configs: Iterable<[string, string]>): Map<string, string | number> {
    return validateTopicConfigs(configs, (name) => this.defaults[name as keyof TopicDefaults] ?? this.#brokerDefault(name));
  }

  /**
   * Creates a topic: its logs are opened and the registry file written before
   * it exists for anyone; when the file cannot be written the logs are removed.
   *
   * @throws {@link InvalidTopicError} for a name Kafka refuses
   * @throws {@link TopicExistsError} when the name is taken, being created or being deleted
   * @throws LogConfigError when the configs do not make a valid log config
   * @throws {@link KafkaStorageError} when the logs or the registry file cannot be written (nothing was created)
   */
  async create(name: string, numPartitions: number, configs: Map<string, string | number>): Promise<Topic> {
    const problem = topicNameProblem(name);
    if (problem) throw new InvalidTopicError(problem);
    if (this.#topics.has(name)) throw new TopicExistsError(name);
    if (this.#creating.has(name)) throw new TopicExistsError(name, 'is being created');
    const topic = new Topic(name, newTopicId(), configs, this.defaults);
    validateLogConfig(this.logConfig(topic));
    const creating = this.#change(async () => {
      const partitions = await this.#openNewLogs(topic, 0, numPartitions);
      return this.#commit([...this.list().map((t) => stored(t)), stored(topic, numPartitions)], {
        undo: () => this.#discard(partitions),
        apply: () => {
          topic.partitions.push(...partitions);
          this.#add(topic);
          return topic;
        },
      });
    });
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

  /**
   * Registers `listener` to run in the same synchronous step that removes a
   * deleted topic from the registry, so state kept per partition elsewhere
   * (producer state) never outlives the topic, not even for a turn of the event
   * loop in which a topic of the same name could be created. It must not throw.
   *
   * @returns a function that unregisters it
   */
  onDelete(listener: (topic: Topic) => void): () => void {
    this.#deleteListeners.add(listener);
    return () => this.#deleteListeners.delete(listener);
  }

  /**
   * Deletes a topic. Until the registry file without it is durable the topic
   * exists (a create of its name is TOPIC_ALREADY_EXISTS); then, in one
   * synchronous step, its partition directories take `-delete` names, the file
   * is committed and the topic leaves the registry ({@link onDelete} listeners
   * run then). Its logs close and their
   * directories are removed afterwards, in the background.
   *
   * @returns the deleted topic, or undefined when there was none of that name
   * @throws {@link KafkaStorageError} when the file cannot be written (the topic stays)
   */
  async delete(name: string): Promise<Topic | undefined> {
    return this.#change(async () => {
      const topic = this.#topics.get(name);
      if (!topic) return undefined;
      const remaining = this.list().filter((t) => t !== topic);
      return this.#commit(
        remaining.map((t) => stored(t)),
        {
          atCommit: () => this.#renameForDeletion(topic),
          apply: () => {
            this.#topics.delete(name);
            this.#byId.delete(topic.topicId);
            for (const listener of this.#deleteListeners) listener(topic);
            for (const p of topic.partitions) {
              p.notifyAppend();
              const removal = p.log.delete().catch((err: unknown) => {
                this.logger.error(`cannot remove the files of deleted partition ${topic.name}-${p.index}`, { path: p.log.path, error: (err as Error).message });
              });
              this.#removals.add(removal);
              void removal.finally(() => this.#removals.delete(removal));
            }
            return topic;
          },
        },
      );
    });
  }

  /**
   * Grows a topic to `count` partitions: the new logs are opened and the file
   * written before they exist for anyone; undone when the file cannot be written.
   *
   * @throws {@link UnknownTopicError} when the topic was deleted meanwhile
   * @throws {@link InvalidPartitionsError} when it already has `count` or more
   * @throws {@link KafkaStorageError} when the logs or the file cannot be written (nothing was added)
   */
  async createPartitions(topic: Topic, count: number): Promise<void> {
    await this.#change(async () => {
      if (this.#topics.get(topic.name) !== topic) throw new UnknownTopicError(topic.name);
      const from = topic.partitions.length;
      if (count <= from) throw new InvalidPartitionsError(`Topic currently has ${from} partitions, which is higher than or equal to the requested ${count}.`);
      const added = await this.#openNewLogs(topic, from, count);
      await this.#commit(
        this.list().map((t) => stored(t, t === topic ? count : t.partitions.length)),
        { undo: () => this.#discard(added), apply: () => topic.partitions.push(...added) },
      );
    });
  }

  /**
   * Replaces a topic's overrides (the incremental form computes the whole new
   * set): validated as a log config, written to the file, then applied to the
   * topic and its open logs; nothing changes when the file cannot be written.
   *
   * @throws {@link UnknownTopicError} when the topic was deleted meanwhile
   * @throws LogConfigError when the overrides do not make a valid log config
   * @throws {@link KafkaStorageError} when the file cannot be written
   */
  async alterConfigs(topic: Topic, overrides: Map<string, string | number>): Promise<void> {
    const logConfig = validateLogConfig(this.logConfig(new Topic(topic.name, topic.topicId, overrides, topic.defaults)));
    await this.#change(async () => {
      if (this.#topics.get(topic.name) !== topic) throw new UnknownTopicError(topic.name);
      await this.#commit(
        this.list().map((t) => (t === topic ? stored(t, t.partitions.length, overrides) : stored(t))),
        {
          apply: () => {
            topic.overrides.clear();
            for (const [k, v] of overrides) topic.overrides.set(k, v);
            for (const p of topic.partitions) p.log.updateConfig(logConfig);
          },
        },
      );
    });
  }

  /**
   * New broker-level defaults of topic configs (dynamic broker configs): every
   * log runs with them from now on where its topic has no override. Every
   * topic's log config is checked before any changes.
   *
   * @param brokerDefault - the broker-level value of a topic config not in `defaults`, if set
   * @param dryRun - only check
   * @throws LogConfigError when some topic's log config would be invalid (nothing changed)
   */
  reconfigure(defaults: TopicDefaults, brokerDefault: (topicConfig: string) => string | number | undefined, dryRun = false): void {
    const next = this.list().map((t) => [t, validateLogConfig(this.logConfig(new Topic(t.name, t.topicId, t.overrides, defaults), brokerDefault))] as const);
    if (dryRun) return;
    Object.assign(this.defaults, defaults);
    this.#brokerDefault = brokerDefault;
    for (const [topic, config] of next) for (const p of topic.partitions) p.log.updateConfig(config);
  }

  /** The log settings a topic's partitions run with. */
  logConfig(topic: Topic, brokerDefault = this.#brokerDefault): LogConfig {
    return {
      segmentBytes: topic.config('segment.bytes'),
      segmentMs: topic.config('segment.ms'),
      indexIntervalBytes: topic.config('index.interval.bytes'),
      retentionMs: topic.config('retention.ms'),
      retentionBytes: topic.config('retention.bytes'),
      cleanupPolicy: topic.config('cleanup.policy').split(',') as ('delete' | 'compact')[],
      deleteRetentionMs: topic.config('delete.retention.ms'),
      minCompactionLagMs: topic.config('min.compaction.lag.ms'),
      // flush.messages / flush.ms, min.cleanable.dirty.ratio, max.compaction.lag.ms: the topic's own when set.
      ...topicLogSettings((name) => topic.overrides.get(name) ?? brokerDefault(name), this.config.flush),
      messageTimestampType: topic.config('message.timestamp.type') as 'CreateTime' | 'LogAppendTime',
      maxMessageBytes: topic.config('max.message.bytes'),
    };
  }

  /** Closes every log, after the change under way and the removals of deleted partitions. */
  async close(): Promise<void> {
    await this.#changes.catch(() => undefined);
    for (const t of this.#topics.values()) {
      for (const p of t.partitions) {
        p.notifyAppend(); // release long-polling fetches
        await p.log.close();
      }
    }
    await Promise.all([...this.#removals]);
  }

  #add(topic: Topic): void {
    this.#topics.set(topic.name, topic);
    this.#byId.set(topic.topicId, topic);
  }

  /** Runs a change after the ones before it. */
  #change<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#changes.catch(() => undefined).then(work);
    this.#changes = run;
    return run;
  }

  /**
   * Writes the registry file as `topics`, then applies the change in memory.
   * When the file cannot be written the change is undone instead; when only the
   * directory fsync after the rename failed, the new file is what the disk shows,
   * so the change is applied all the same, and the error still reported.
   */
  async #commit<T>(topics: readonly StoredTopic[], change: { atCommit?: () => () => void; undo?: () => Promise<void>; apply: () => T }): Promise<T> {
    if (this.#root === null) {
      change.atCommit?.();
      return change.apply();
    }
    try {
      await writeRegistryFile(this.#root, topics, change.atCommit);
    } catch (err) {
      if (err instanceof RegistryNotDurableError) change.apply();
      else await change.undo?.();
      throw err;
    }
    return change.apply();
  }

  #partitionDir(topic: Topic, index: number): string {
    return join(this.config.logDir!, partitionDirName(topic.name, index));
  }

  #openLog(topic: Topic, index: number): Promise<PartitionLog> {
    const dir = this.config.logDir === null ? null : this.#partitionDir(topic, index);
    return PartitionLog.open(dir, this.logConfig(topic), { topicId: topic.topicId, name: `${topic.name}-${index}`, logger: this.logger });
  }

  /**
   * Opens the logs of new partitions [from, to) in new directories; on failure
   * removes the ones it made. A directory already there is refused: it holds
   * some other topic's records, which a restart recovers (topic-store.ts).
   */
  async #openNewLogs(topic: Topic, from: number, to: number): Promise<Partition[]> {
    const opened: Partition[] = [];
    try {
      for (let i = from; i < to; i++) {
        if (this.config.logDir !== null && existsSync(this.#partitionDir(topic, i))) {
          throw new KafkaStorageError(`partition directory ${this.#partitionDir(topic, i)} already exists although ${REGISTRY_FILE} lists no such partition; a restart recovers what it holds`);
        }
        opened.push(new Partition(topic, i, await this.#openLog(topic, i)));
      }
    } catch (err) {
      await this.#discard(opened);
      throw err instanceof KafkaStorageError ? err : new KafkaStorageError(`cannot create the log of ${topic.name}-${from + opened.length}: ${(err as Error).message}`, { cause: err });
    }
    return opened;
  }

  /** Removes the logs of partitions that never came to exist. */
  async #discard(partitions: readonly Partition[]): Promise<void> {
    for (const p of partitions) {
      await p.log.delete().catch((err: unknown) => {
        // What is left is an empty partition directory, recovered as a topic at the next start.
        this.logger.error(`cannot remove the log of ${p.topic.name}-${p.index} after a failed change`, { path: p.log.path, error: (err as Error).message });
      });
    }
  }

  /**
   * A deletion's commit step: every partition directory of the topic takes a
   * `-delete` name (Kafka's `<topic>-<partition>.<uniqueId>-delete`). Returns the
   * undo, for when the file's rename then fails.
   */
  #renameForDeletion(topic: Topic): () => void {
    if (this.config.logDir === null) return () => undefined;
    const moved: { partition: Partition; from: string }[] = [];
    const undo = (): void => {
      for (const { partition, from } of moved.reverse()) partition.log.renameDir(from);
    };
    try {
      for (const p of topic.partitions) {
        const from = this.#partitionDir(topic, p.index);
        p.log.renameDir(join(this.config.logDir, deleteDirName(topic.name, p.index)));
        moved.push({ partition: p, from });
      }
    } catch (err) {
      undo();
      throw err;
    }
    return undo;
  }
}

/**
 * Dynamic broker configs (KIP-226): broker configs changed at run time with
 * AlterConfigs or IncrementalAlterConfigs on a BROKER resource, either for
 * this broker (resource name = its node id) or as the cluster-wide default
 * (resource name ""). The value in force is, most specific first: this
 * broker's dynamic value, the cluster default's, server.properties
 * (STATIC_BROKER_CONFIG), then the default (DEFAULT_CONFIG); within one layer
 * `log.retention.ms` beats `.minutes` beats `.hours`, as in Kafka.
 *
 * A change applies at once: the effective settings are parsed again from the
 * merged layers (the same checks as at startup), the topic registry's broker
 * defaults are replaced (every log of a topic without its own override runs
 * with the new value) and the connection limits object the listeners read is
 * updated (new connections meet the new limit). With a data directory the
 * dynamic configs are kept in `tskafka-broker-configs.json`, written before
 * the change applies, and read again at startup; in memory they live as
 * long as the broker.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BROKER_CONFIGS, brokerConfigSynonyms } from './broker-config-defs.js';
import { type BrokerConfig, BrokerConfigError, type ConnectionLimitsConfig, parseBrokerConfig } from './config.js';
import { LogConfigError, TOPIC_CONFIGS } from './log/log-config.js';
import { KafkaStorageError } from './log/log-errors.js';
import { type BrokerLogger } from './logger.js';
import { writeJsonFileDurably } from './durable-json.js';
import { type TopicRegistry } from './topics.js';

/** Kafka's DescribeConfigs `ConfigSource` codes. */
export const ConfigSource = Object.freeze({ TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const);

/** One source of a config's value (DescribeConfigs' synonyms). */
export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}

/** The file, in the data directory, that holds the dynamic broker configs. */
export const DYNAMIC_CONFIG_FILE = 'tskafka-broker-configs.json';

/**
 * A dynamic broker config change refused: INVALID_REQUEST (42) for a config
 * that cannot change at run time or a value it does not take (Kafka's answer,
 * see KAFKA-13609), INVALID_CONFIG (40) for a name tskafka does not know.
 */
export class BrokerConfigChangeError extends Error {
  override readonly name = 'BrokerConfigChangeError';
  readonly retriable = false;

  constructor(
    readonly code: 40 | 42,
    message: string,
  ) {
    super(message);
  }
}

/** The two dynamic layers: this broker's and the cluster default's. */
type Layer = 'broker' | 'default';

/** The broker's dynamic configs, the view of every config's sources, and their application to what runs. */
export class DynamicBrokerConfig {
  readonly #layers: Record<Layer, Map<string, string>> = { broker: new Map(), default: new Map() };
  /** The limits the listeners check at each accept; updated in place by a change. */
  readonly connectionLimits: { -readonly [K in keyof ConnectionLimitsConfig]: ConnectionLimitsConfig[K] };
  /** The settings in force: server.properties with the dynamic configs over it. */
  #current: BrokerConfig;
  /** Changes, one at a time (each writes the whole file). */
  #changes: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly config: BrokerConfig,
    readonly topics: TopicRegistry,
    readonly logger: BrokerLogger,
  ) {
    this.connectionLimits = { ...config.connectionLimits };
    this.#current = config;
  }

  /**
   * Reads the dynamic configs kept in the data directory (none in memory) and
   * applies them. A stored config that is no longer valid is dropped, with a warning.
   *
   * @throws an Error naming the file when it cannot be parsed (the broker would start with settings its operator did not choose)
   */
  static open(config: BrokerConfig, topics: TopicRegistry, logger: BrokerLogger): DynamicBrokerConfig {
    const dynamic = new DynamicBrokerConfig(config, topics, logger);
    const path = config.logDir === null ? null : join(config.logDir, DYNAMIC_CONFIG_FILE);
    const text = path !== null && existsSync(path) ? readFileSync(path, 'utf8') : null;
    let stored: { broker?: Record<string, string>; default?: Record<string, string> };
    try {
      stored = text === null ? {} : (JSON.parse(text) as typeof stored);
    } catch (err) {
      throw new Error(`cannot read the dynamic broker configs ${path}: ${(err as Error).message}`, { cause: err });
    }
    for (const layer of ['default', 'broker'] as const) {
      for (const [name, value] of Object.entries(stored[layer] ?? {})) {
        const problem = dynamic.#valueProblem(name, String(value));
        if (problem === null) dynamic.#layers[layer].set(name, String(value));
        else logger.warn(`dropping dynamic broker config ${name}=${JSON.stringify(value)} from ${DYNAMIC_CONFIG_FILE}: ${problem.message}`);
      }
    }
    try {
      dynamic.#apply(dynamic.#parse(dynamic.#layers.broker, dynamic.#layers.default));
    } catch (err) {
      logger.warn(`ignoring the dynamic broker configs of ${DYNAMIC_CONFIG_FILE}: ${(err as Error).message}`);
      dynamic.#layers.broker.clear();
      dynamic.#layers.default.clear();
    }
    return dynamic;
  }

  /** The settings in force now. */
  get current(): BrokerConfig {
    return this.#current;
  }

  /** The dynamic configs of a BROKER resource: this broker's (`nodeId`) or the cluster default's (""). */
  dynamicConfigs(resourceName: string): ReadonlyMap<string, string> {
    return this.#layers[resourceName === '' ? 'default' : 'broker'];
  }

  /**
   * Where a broker config's value may come from, the one in force first
   * (Kafka's `configSynonyms`): each layer from this broker's dynamic configs
   * to the defaults, each of the config's synonyms within it; the synonyms
   * listed before `name` itself (a more specific name not set) are left out.
   */
  synonyms(name: string): ConfigSynonym[] {
    const names = brokerConfigSynonyms(name);
    const all: ConfigSynonym[] = [];
    const add = (lookup: (n: string) => string | null | undefined, source: number): void => {
      for (const n of names) {
        const value = lookup(n);
        if (value !== undefined && value !== null) all.push({ name: n, value, source });
      }
    };
    add((n) => this.#layers.broker.get(n), ConfigSource.DYNAMIC_BROKER_CONFIG);
    add((n) => this.#layers.default.get(n), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    add((n) => this.config.staticProperties.get(n), ConfigSource.STATIC_BROKER_CONFIG);
    add((n) => BROKER_CONFIGS[n]?.default, ConfigSource.DEFAULT_CONFIG);
    const first = all.findIndex((s) => s.name === name);
    return first < 0 ? [] : all.slice(first);
  }

  /**
   * Replaces the dynamic configs of a BROKER resource with `configs` (the
   * non-incremental form; IncrementalAlterConfigs computes the whole new set
   * from {@link dynamicConfigs}). Every config is checked, then the merged
   * settings as a whole (as at startup) and the log config of every topic;
   * unless `validateOnly`, the set is made durable and applied.
   *
   * @param resourceName - this broker's node id, or "" for the cluster default
   * @throws {@link BrokerConfigChangeError} naming the config refused
   * @throws {@link KafkaStorageError} when the file cannot be written (nothing changed)
   */
  alter(resourceName: string, configs: ReadonlyMap<string, string>, validateOnly: boolean): Promise<void> {
    const run = this.#changes.catch(() => undefined).then(async () => {
      const layer: Layer = resourceName === '' ? 'default' : 'broker';
      const refused = [...configs.keys()].filter((name) => BROKER_CONFIGS[name] !== undefined && !BROKER_CONFIGS[name].dynamic);
      if (refused.length > 0) throw new BrokerConfigChangeError(42, `Cannot update these configs dynamically: ${refused.join(', ')} (set them in server.properties)`);
      for (const [name, value] of configs) {
        const problem = this.#valueProblem(name, value);
        if (problem !== null) throw problem;
      }
      const next = { broker: this.#layers.broker, default: this.#layers.default, [layer]: new Map(configs) };
      const parsed = this.#parse(next.broker, next.default);
      try {
        this.topics.reconfigure(parsed.topicDefaults, this.#topicDefaultOf(next.broker, next.default), true);
      } catch (err) {
        if (err instanceof LogConfigError) throw new BrokerConfigChangeError(42, `Invalid config value for resource BROKER "${resourceName}": ${err.message}`);
        throw err;
      }
      if (validateOnly) return;
      await this.#write(next.broker, next.default);
      this.#layers[layer] = new Map(configs);
      this.#apply(parsed);
    });
    this.#changes = run;
    return run;
  }

  /** null when `name` may be set to `value` at run time, else the refusal. */
  #valueProblem(name: string, value: string): BrokerConfigChangeError | null {
    const def = BROKER_CONFIGS[name];
    if (def === undefined) return new BrokerConfigChangeError(40, `Unknown broker config ${name}: not a config tskafka can change at run time`);
    if (!def.dynamic) return new BrokerConfigChangeError(42, `Cannot update these configs dynamically: ${name} (set it in server.properties)`);
    if (def.parse(value) === undefined) return new BrokerConfigChangeError(42, `Invalid value ${JSON.stringify(value)} for configuration ${name}: expected ${def.accepted}`);
    return null;
  }

  /** The settings server.properties and the given dynamic layers make together, checked as at startup. */
  #parse(broker: ReadonlyMap<string, string>, clusterDefault: ReadonlyMap<string, string>): BrokerConfig {
    const merged = new Map([...this.config.staticProperties, ...clusterDefault, ...broker]);
    try {
      return parseBrokerConfig(merged, { inMemory: this.config.logDir === null });
    } catch (err) {
      if (err instanceof BrokerConfigError) throw new BrokerConfigChangeError(42, `Invalid config value: ${err.message}`);
      throw err;
    }
  }

  /**
   * The broker-level value of a topic config not kept in `TopicDefaults`
   * (`flush.ms`, `min.cleanable.dirty.ratio`...) when a broker config sets it,
   * dynamically (the given layers) or in server.properties, normalized as the
   * topic config would be; undefined when only the default applies.
   */
  #topicDefaultOf(broker: ReadonlyMap<string, string>, clusterDefault: ReadonlyMap<string, string>): (topicConfig: string) => string | number | undefined {
    return (topicConfig) => {
      const def = TOPIC_CONFIGS[topicConfig];
      if (def?.brokerSynonym == null) return undefined;
      const value = broker.get(def.brokerSynonym) ?? clusterDefault.get(def.brokerSynonym) ?? this.config.staticProperties.get(def.brokerSynonym);
      return value === undefined ? undefined : def.parse(value);
    };
  }

  /** Puts parsed settings in force: topic defaults for every log, connection limits for new connections. */
  #apply(parsed: BrokerConfig): void {
    this.topics.reconfigure(parsed.topicDefaults, this.#topicDefaultOf(this.#layers.broker, this.#layers.default));
    const limits = parsed.connectionLimits;
    this.connectionLimits.maxConnections = limits.maxConnections;
    this.connectionLimits.maxConnectionsPerIp = limits.maxConnectionsPerIp;
    this.connectionLimits.maxConnectionsPerIpOverrides = limits.maxConnectionsPerIpOverrides;
    this.#current = parsed;
  }

  /** Replaces the file atomically and durably (nothing to do in memory). */
  async #write(broker: ReadonlyMap<string, string>, clusterDefault: ReadonlyMap<string, string>): Promise<void> {
    if (this.config.logDir === null) return;
    const path = join(this.config.logDir, DYNAMIC_CONFIG_FILE);
    try {
      await writeJsonFileDurably(path, { broker: Object.fromEntries(broker), default: Object.fromEntries(clusterDefault) });
    } catch (err) {
      throw new KafkaStorageError(`cannot write the dynamic broker configs ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
}

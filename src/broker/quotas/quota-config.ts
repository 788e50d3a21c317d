/**
 * The client quotas set with AlterClientQuotas (KIP-546): per entity (a user,
 * a client id, or both; each a name or the default), values for
 * `producer_byte_rate`, `consumer_byte_rate` and `request_percentage`.
 *
 * Kept as Kafka keeps them in ZooKeeper or the metadata log; here one JSON file
 * in the log directory, `tskafka-client-quotas.json`, replaced atomically on
 * every change (durable before it is visible), or in memory for a broker in
 * memory. An entity left without values is removed, as Kafka removes it.
 *
 * Which quota applies to a request is Kafka's precedence (DefaultQuotaCallback),
 * first match wins, per key:
 * ```
 * user + client-id   user + <default> client-id   user
 * <default> user + client-id   <default> user + <default> client-id   <default> user
 * client-id   <default> client-id
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetadataFileError, parseVersionedJsonList, writeJsonFileDurably } from '../durable-json.js';

/** The quota keys this broker enforces, with whether the value must be a whole number (Kafka's LONG). */
export const QUOTA_KEYS = { producer_byte_rate: { whole: true }, consumer_byte_rate: { whole: true }, request_percentage: { whole: false } } as const;
export type QuotaKey = keyof typeof QUOTA_KEYS;

/** KIP-546's entity types: `user` and `client-id` are served; `ip` (connection rates) is known but not served. */
export const QUOTA_ENTITY_TYPES = ['user', 'client-id', 'ip'] as const;

/** One entity: each part absent, a name, or null for the default. */
export interface QuotaEntity {
  readonly user?: string | null;
  readonly clientId?: string | null;
}

/** An entity and its values. */
export interface QuotaEntry {
  readonly entity: QuotaEntity;
  readonly values: ReadonlyMap<QuotaKey, number>;
}

/** One change to an entity's values: set, or (null) removed. */
export type QuotaOp = { readonly key: QuotaKey; readonly value: number | null };

export const CLIENT_QUOTAS_FILE = 'tskafka-client-quotas.json';
const FILE_VERSION = 1;


/** A stable key for an entity: an absent part, the default and a name never collide. */
export function entityKey(e: QuotaEntity): string {
  return JSON.stringify([e.user === undefined ? false : e.user, e.clientId === undefined ? false : e.clientId]);
}

export class QuotaConfig {
  #entries = new Map<string, QuotaEntry>();
  #writes: Promise<unknown> = Promise.resolve();

  private constructor(readonly path: string | null) {}

  /** Load the quotas kept in `logDir` (none when the file is missing); null keeps them in memory. */
  static open(logDir: string | null): QuotaConfig {
    const config = new QuotaConfig(logDir === null ? null : join(logDir, CLIENT_QUOTAS_FILE));
    if (config.path !== null && existsSync(config.path)) {
      for (const entry of parseFile(config.path, readFileSync(config.path, 'utf8'))) config.#entries.set(entityKey(entry.entity), entry);
    }
    return config;
  }

  /** Every entity with at least one value. */
  entries(): QuotaEntry[] {
    return [...this.#entries.values()];
  }

  /** The value an entity has for a key, if any. */
  value(entity: QuotaEntity, key: QuotaKey): number | undefined {
    return this.#entries.get(entityKey(entity))?.values.get(key);
  }

  /** Whether no entity sets any quota (the broker then measures nothing at all). */
  get empty(): boolean {
    return this.#entries.size === 0;
  }

  /** Whether any entity sets this key (the fast path: no quota of a kind, nothing to measure). */
  has(key: QuotaKey): boolean {
    for (const e of this.#entries.values()) if (e.values.has(key)) return true;
    return false;
  }

  /** Apply changes to entities: durable first, then visible. Rejects, changing nothing, if they could not be written. */
  alter(changes: ReadonlyArray<{ readonly entity: QuotaEntity; readonly ops: readonly QuotaOp[] }>): Promise<void> {
    const run = this.#writes.then(async () => {
      const next = new Map(this.#entries);
      for (const { entity, ops } of changes) {
        const key = entityKey(entity);
        const values = new Map(next.get(key)?.values);
        for (const op of ops) {
          if (op.value === null) values.delete(op.key);
          else values.set(op.key, op.value);
        }
        if (values.size === 0) next.delete(key);
        else next.set(key, { entity, values });
      }
      if (this.path !== null) await writeJsonFileDurably(this.path, { version: FILE_VERSION, quotas: [...next.values()].map(toStored) });
      this.#entries = next;
    });
    this.#writes = run.catch(() => undefined);
    return run;
  }
}

interface StoredEntry {
  user?: string | null;
  'client-id'?: string | null;
  values: Record<string, number>;
}

function toStored(e: QuotaEntry): StoredEntry {
  const stored: StoredEntry = { values: Object.fromEntries(e.values) };
  if (e.entity.user !== undefined) stored.user = e.entity.user;
  if (e.entity.clientId !== undefined) stored['client-id'] = e.entity.clientId;
  return stored;
}

function parseFile(path: string, text: string): QuotaEntry[] {
  const quotas = parseVersionedJsonList(text, FILE_VERSION, 'quotas', (problem) => {
    throw new MetadataFileError('client quota', path, problem);
  });
  return (quotas as Partial<StoredEntry>[]).map((s, i) => {
    const part = (v: unknown): string | null | undefined => (v === undefined || v === null || typeof v === 'string' ? v : badEntry(path, i));
    const entity: QuotaEntity = { user: part(s?.user), clientId: part(s?.['client-id']) };
    const values = new Map<QuotaKey, number>();
    for (const [k, v] of Object.entries(s?.values ?? {})) {
      if (!Object.hasOwn(QUOTA_KEYS, k) || typeof v !== 'number' || !(v > 0)) return badEntry(path, i);
      values.set(k as QuotaKey, v);
    }
    if ((entity.user === undefined && entity.clientId === undefined) || values.size === 0) return badEntry(path, i);
    return { entity: dropAbsent(entity), values };
  });
}

function dropAbsent(e: QuotaEntity): QuotaEntity {
  return { ...(e.user !== undefined && { user: e.user }), ...(e.clientId !== undefined && { clientId: e.clientId }) };
}

function badEntry(path: string, i: number): never {
  throw new MetadataFileError('client quota', path, `quotas[${i}] needs "user" and/or "client-id" (a name or null for the default) and positive "values" of ${Object.keys(QUOTA_KEYS).join(', ')}`);
}

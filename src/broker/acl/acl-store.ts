/**
 * The broker's ACLs: every binding, indexed per resource type for the
 * authorizer, and kept durably as AclAuthorizer keeps them in ZooKeeper and
 * StandardAuthorizer in the metadata log. Here that is one JSON file in the
 * (first) log directory, `tskafka-acls.json`, replaced atomically on every
 * change (temporary file, fsync, rename, fsync of the directory): a crash
 * leaves the old set or the new one, never half of one. A broker in memory
 * keeps them in memory only.
 *
 * Changes are serialized and each one is durable before it is visible: a
 * CreateAcls answered NONE survives a crash, and an ACL that could not be
 * written is never enforced. A file that does not parse stops the broker from
 * starting rather than open it with ACLs missing (a lost DENY grants access).
 *
 * ```json
 * { "version": 1, "acls": [ { "resourceType": "TOPIC", "resourceName": "orders", "patternType": "LITERAL",
 *     "principal": "User:alice", "host": "*", "operation": "READ", "permissionType": "ALLOW" } ] }
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonFileDurably } from '../durable-json.js';
import {
  type AclBinding,
  type AclBindingFilter,
  AclOperation,
  AclPatternType,
  AclPermissionType,
  AclResourceType,
  aclKey,
  filterMatches,
  newAclProblem,
} from './acl-binding.js';

/** The ACL file's name in the log directory. */
export const ACL_FILE = 'tskafka-acls.json';
const FILE_VERSION = 1;

/** The ACL file exists but cannot be used; the broker does not start. */
export class AclFileError extends Error {
  override readonly name = 'AclFileError';
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`ACL file ${path} cannot be loaded: ${problem}`);
  }
}

/** The ACLs of one resource type, as the authorizer looks them up. */
export interface ResourceTypeAcls {
  /** LITERAL bindings by resource name (`*` included, under `*`). */
  readonly literal: ReadonlyMap<string, readonly AclBinding[]>;
  /** PREFIXED bindings by prefix. */
  readonly prefixed: ReadonlyMap<string, readonly AclBinding[]>;
}

const NO_ACLS: ResourceTypeAcls = { literal: new Map(), prefixed: new Map() };

export class AclStore {
  /** Every binding, in creation order. */
  #bindings: ReadonlyMap<string, AclBinding>;
  #index = new Map<AclResourceType, ResourceTypeAcls>();
  /** Changes run one after the other; each sees the previous one's result. */
  #changes: Promise<unknown> = Promise.resolve();

  private constructor(
    /** The ACL file, or null in memory. */
    readonly path: string | null,
    bindings: readonly AclBinding[],
  ) {
    this.#bindings = new Map(bindings.map((b) => [aclKey(b), b]));
    this.#reindex();
  }

  /** Load the ACLs stored in `logDir` (none when the file is missing); null keeps them in memory only. */
  static async open(logDir: string | null): Promise<AclStore> {
    if (logDir === null) return new AclStore(null, []);
    await mkdir(logDir, { recursive: true });
    const path = join(logDir, ACL_FILE);
    return new AclStore(path, existsSync(path) ? parseAclFile(path, readFileSync(path, 'utf8')) : []);
  }

  /** Every binding, in creation order. */
  all(): AclBinding[] {
    return [...this.#bindings.values()];
  }

  get size(): number {
    return this.#bindings.size;
  }

  /** The bindings on resources of one type; the authorizer's lookup (no copy). */
  forResourceType(resourceType: AclResourceType): ResourceTypeAcls {
    return this.#index.get(resourceType) ?? NO_ACLS;
  }

  /** Bindings a filter selects, in creation order. */
  matching(filter: AclBindingFilter): AclBinding[] {
    return this.all().filter((b) => filterMatches(filter, b));
  }

  /**
   * Add bindings (each valid by {@link newAclProblem}); one already stored is
   * left as it is, as Kafka does. Resolves once they are durable, rejects if
   * they could not be written (and then none is added).
   */
  create(bindings: readonly AclBinding[]): Promise<void> {
    return this.#change((current) => {
      const added = bindings.filter((b) => !current.has(aclKey(b)));
      if (added.length === 0) return { next: null, result: undefined };
      const next = new Map(current);
      for (const b of added) next.set(aclKey(b), b);
      return { next, result: undefined };
    });
  }

  /**
   * Remove what the filters select. Returns, per filter, the bindings it
   * removed: a binding several filters select counts for the first of them
   * (Kafka's attribution). Resolves once durable; on a write failure nothing is removed.
   */
  delete(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
    return this.#change((current) => {
      const next = new Map(current);
      const removed = filters.map((f) => {
        const out: AclBinding[] = [];
        for (const [key, b] of next) {
          if (!filterMatches(f, b)) continue;
          out.push(b);
          next.delete(key);
        }
        return out;
      });
      return { next: next.size === current.size ? null : next, result: removed };
    });
  }

  /** Wait for changes under way. */
  async close(): Promise<void> {
    await this.#changes.catch(() => undefined);
  }

  /** `apply` returns the new set, or null when nothing changes (nothing is written then). */
  #change<T>(apply: (current: ReadonlyMap<string, AclBinding>) => { next: ReadonlyMap<string, AclBinding> | null; result: T }): Promise<T> {
    const run = this.#changes.then(async () => {
      const { next, result } = apply(this.#bindings);
      if (next !== null) {
        if (this.path !== null) await writeAclFile(this.path, [...next.values()]);
        this.#bindings = next;
        this.#reindex();
      }
      return result;
    });
    this.#changes = run.catch(() => undefined);
    return run;
  }

  #reindex(): void {
    const index = new Map<AclResourceType, { literal: Map<string, AclBinding[]>; prefixed: Map<string, AclBinding[]> }>();
    for (const b of this.#bindings.values()) {
      let acls = index.get(b.resourceType);
      if (!acls) index.set(b.resourceType, (acls = { literal: new Map(), prefixed: new Map() }));
      const byName = b.patternType === AclPatternType.PREFIXED ? acls.prefixed : acls.literal;
      const list = byName.get(b.resourceName);
      if (list) list.push(b);
      else byName.set(b.resourceName, [b]);
    }
    this.#index = index;
  }
}

/** The file layout names every code by Kafka's enum name, so it can be read and edited by hand. */
interface StoredAcl {
  resourceType: string;
  resourceName: string;
  patternType: string;
  principal: string;
  host: string;
  operation: string;
  permissionType: string;
}

function toStored(b: AclBinding): StoredAcl {
  return {
    resourceType: nameOf(AclResourceType, b.resourceType),
    resourceName: b.resourceName,
    patternType: nameOf(AclPatternType, b.patternType),
    principal: b.principal,
    host: b.host,
    operation: nameOf(AclOperation, b.operation),
    permissionType: nameOf(AclPermissionType, b.permissionType),
  };
}

function nameOf(table: Readonly<Record<string, number>>, code: number): string {
  return Object.keys(table).find((k) => table[k] === code) ?? String(code);
}

/** Parse and check the ACL file; any entry Kafka would not have stored makes the whole file unusable. */
export function parseAclFile(path: string, text: string): AclBinding[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new AclFileError(path, `not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof raw !== 'object' || raw === null || (raw as { version?: unknown }).version !== FILE_VERSION || !Array.isArray((raw as { acls?: unknown }).acls)) {
    throw new AclFileError(path, `expected {"version": ${FILE_VERSION}, "acls": [...]}`);
  }
  return ((raw as { acls: unknown[] }).acls).map((entry, i) => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Partial<Record<keyof StoredAcl, unknown>>;
    const text = (key: keyof StoredAcl): string => {
      const v = e[key];
      if (typeof v !== 'string') throw new AclFileError(path, `acls[${i}].${key} is not a string`);
      return v;
    };
    const code = <T extends number>(key: keyof StoredAcl, table: Readonly<Record<string, T>>): T => {
      const v = text(key);
      const c = Object.hasOwn(table, v) ? table[v] : undefined;
      if (c === undefined) throw new AclFileError(path, `acls[${i}].${key} is ${JSON.stringify(v)}, not one of ${Object.keys(table).join(', ')}`);
      return c;
    };
    const binding: AclBinding = {
      resourceType: code('resourceType', AclResourceType),
      resourceName: text('resourceName'),
      patternType: code('patternType', AclPatternType),
      principal: text('principal'),
      host: text('host'),
      operation: code('operation', AclOperation),
      permissionType: code('permissionType', AclPermissionType),
    };
    const problem = newAclProblem(binding);
    if (problem !== null) throw new AclFileError(path, `acls[${i}]: ${problem}`);
    return binding;
  });
}

/** Replace the file atomically and durably (durable-json.ts). */
function writeAclFile(path: string, bindings: readonly AclBinding[]): Promise<void> {
  return writeJsonFileDurably(path, { version: FILE_VERSION, acls: bindings.map(toStored) });
}

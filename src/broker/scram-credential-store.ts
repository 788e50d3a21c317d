/**
 * The broker's SCRAM credentials (KIP-554): those of the configured users
 * (`sasl.users`, JAAS), changed at run time by AlterUserScramCredentials.
 *
 * Kafka keeps SCRAM credentials in ZooKeeper or the metadata log; here the
 * changes made at run time are kept in one JSON file in the log directory,
 * `tskafka-scram-credentials.json`, replaced atomically on every change, as the
 * ACLs are (acl/acl-store.ts). It holds each changed credential (salt,
 * StoredKey, ServerKey, iterations: never a password) and each deletion of a
 * configured user's credential, so the configured users stay the base and a
 * restart does not undo a change. A broker in memory keeps changes in memory.
 *
 * One store per broker config; SaslAuthenticate finds it by the configured user
 * list (handlers/sasl-authenticate.ts), the admin handlers by the broker config.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ScramCredential, type ScramMechanism, SCRAM_MECHANISMS, ScramCredentials, isScramMechanism } from './auth/scram.js';
import { type BrokerConfig, type SaslUser } from './config.js';
import { MetadataFileError, parseVersionedJsonList, writeJsonFileDurably } from './durable-json.js';

/** The file's name in the log directory. */
export const SCRAM_CREDENTIALS_FILE = 'tskafka-scram-credentials.json';
const FILE_VERSION = 1;


/** One change: a credential installed, or (null) a credential removed. */
type Change = { readonly user: string; readonly mechanism: ScramMechanism; readonly credential: ScramCredential | null };

/** One alteration of a request, already validated by the handler. */
export type ScramAlteration =
  | { readonly kind: 'upsert'; readonly user: string; readonly mechanism: ScramMechanism; readonly credential: ScramCredential }
  | { readonly kind: 'delete'; readonly user: string; readonly mechanism: ScramMechanism };

export class ScramCredentialStore {
  /** Run-time changes on top of the configured users, by `mechanism user`. */
  readonly #changes = new Map<string, Change>();
  /** Per mechanism, derived on first use (one PBKDF2 per configured user). */
  readonly #byMechanism = new Map<ScramMechanism, ScramCredentials>();
  #writes: Promise<unknown> = Promise.resolve();

  constructor(
    readonly users: readonly SaslUser[],
    /** The file, or null in memory. */
    readonly path: string | null,
  ) {
    if (path !== null && existsSync(path)) for (const c of parseFile(path, readFileSync(path, 'utf8'))) this.#changes.set(changeKey(c.user, c.mechanism), c);
  }

  /** Every user's credentials for one mechanism: what SCRAM authentication looks up. */
  forMechanism(mechanism: ScramMechanism): ScramCredentials {
    let credentials = this.#byMechanism.get(mechanism);
    if (!credentials) {
      credentials = ScramCredentials.derive(mechanism, this.users);
      for (const c of this.#changes.values()) if (c.mechanism === mechanism) apply(credentials, c);
      this.#byMechanism.set(mechanism, credentials);
    }
    return credentials;
  }

  /** The user's credential for a mechanism, if any. */
  get(user: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.forMechanism(mechanism).get(user);
  }

  /** Every user with at least one credential, with the mechanisms they have one for. */
  describe(): Map<string, Array<{ mechanism: ScramMechanism; iterations: number }>> {
    const out = new Map<string, Array<{ mechanism: ScramMechanism; iterations: number }>>();
    for (const mechanism of Object.keys(SCRAM_MECHANISMS) as ScramMechanism[]) {
      const credentials = this.forMechanism(mechanism);
      for (const user of credentials.users()) {
        const list = out.get(user) ?? [];
        list.push({ mechanism, iterations: credentials.get(user)!.iterations });
        out.set(user, list);
      }
    }
    return out;
  }

  /**
   * Apply alterations: durable first (when on disk), then visible to new
   * authentications. Rejects, changing nothing, if they could not be written.
   */
  alter(alterations: readonly ScramAlteration[]): Promise<void> {
    const run = this.#writes.then(async () => {
      const changes = alterations.map((a): Change => ({ user: a.user, mechanism: a.mechanism, credential: a.kind === 'upsert' ? a.credential : null }));
      if (this.path !== null) {
        const next = new Map(this.#changes);
        for (const c of changes) next.set(changeKey(c.user, c.mechanism), c);
        await writeJsonFileDurably(this.path, { version: FILE_VERSION, changes: [...next.values()].map(toStored) });
      }
      for (const c of changes) {
        this.#changes.set(changeKey(c.user, c.mechanism), c);
        apply(this.forMechanism(c.mechanism), c);
      }
    });
    this.#writes = run.catch(() => undefined);
    return run;
  }
}

const stores = new WeakMap<readonly SaslUser[], ScramCredentialStore>();

/**
 * The broker's store: opened (and its file read) on the first call for a
 * config, which Broker.open makes so that an unreadable file stops the start.
 */
export function scramCredentialStore(config: Pick<BrokerConfig, 'saslUsers' | 'logDir'>): ScramCredentialStore {
  let store = stores.get(config.saslUsers);
  if (!store) {
    store = new ScramCredentialStore(config.saslUsers, config.logDir === null ? null : join(config.logDir, SCRAM_CREDENTIALS_FILE));
    stores.set(config.saslUsers, store);
  }
  return store;
}

/** The store SCRAM authentication uses for a configured user list (one per broker config). */
export function scramCredentialsFor(users: readonly SaslUser[], mechanism: ScramMechanism): ScramCredentials {
  return (stores.get(users) ?? scramCredentialStore({ saslUsers: users, logDir: null })).forMechanism(mechanism);
}

function changeKey(user: string, mechanism: ScramMechanism): string {
  return `${mechanism} ${user}`;
}

function apply(credentials: ScramCredentials, c: Change): void {
  if (c.credential === null) credentials.delete(c.user);
  else credentials.set(c.user, c.credential);
}

interface StoredChange {
  user: string;
  mechanism: string;
  /** Absent for a deletion. */
  iterations?: number;
  salt?: string;
  storedKey?: string;
  serverKey?: string;
}

function toStored(c: Change): StoredChange {
  if (c.credential === null) return { user: c.user, mechanism: c.mechanism };
  const { iterations, salt, storedKey, serverKey } = c.credential;
  return { user: c.user, mechanism: c.mechanism, iterations, salt: salt.toString('base64'), storedKey: storedKey.toString('base64'), serverKey: serverKey.toString('base64') };
}

function parseFile(path: string, text: string): Change[] {
  const changes = parseVersionedJsonList(text, FILE_VERSION, 'changes', (problem) => {
    throw new MetadataFileError('SCRAM credential', path, problem);
  });
  return (changes as Partial<StoredChange>[]).map((e, i): Change => {
    if (typeof e?.user !== 'string' || typeof e.mechanism !== 'string' || !isScramMechanism(e.mechanism)) {
      throw new MetadataFileError('SCRAM credential', path, `changes[${i}] needs a user and a mechanism (${Object.keys(SCRAM_MECHANISMS).join(', ')})`);
    }
    if (e.iterations === undefined) return { user: e.user, mechanism: e.mechanism, credential: null };
    if (!Number.isInteger(e.iterations) || typeof e.salt !== 'string' || typeof e.storedKey !== 'string' || typeof e.serverKey !== 'string') {
      throw new MetadataFileError('SCRAM credential', path, `changes[${i}] needs iterations, salt, storedKey and serverKey (base64)`);
    }
    const credential = { iterations: e.iterations, salt: Buffer.from(e.salt, 'base64'), storedKey: Buffer.from(e.storedKey, 'base64'), serverKey: Buffer.from(e.serverKey, 'base64') };
    return { user: e.user, mechanism: e.mechanism, credential };
  });
}

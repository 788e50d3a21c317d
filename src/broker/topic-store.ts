/**
 * Where the topic registry keeps what it knows: `tskafka-topics.json` in the
 * data directory (names, topic ids, partition counts, config overrides), and
 * how that file is reconciled at startup with the partition directories found
 * beside it.
 *
 * The file is replaced whole on every change, in Kafka's way for such files: a
 * temporary file, fsync, rename over the old one, fsync of the directory. A
 * crash leaves the old file or the new one.
 *
 * At startup the partition directories are the source of truth for which
 * partitions exist, as Kafka's LogManager loads every `<topic>-<partition>`
 * directory in `log.dirs` whatever the controller remembers: a directory the
 * file does not list is recovered (a topic with the broker's default configs,
 * its topic id from `partition.metadata`), never ignored, because it may hold
 * acknowledged records; only the config overrides the file would have held are
 * lost, and that is logged.
 */
import { randomBytes } from 'node:crypto';
import { type LogDirContents } from './log/log-dir-layout.js';
import { KafkaStorageError } from './log/log-errors.js';
import { TEMP_SUFFIX } from './log/log-file-names.js';
import { type LogDirectory } from './log/storage.js';
import { topicNameProblem } from './topic-names.js';

/** One topic as the file holds it. */
export interface StoredTopic {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string | number>>;
}

/**
 * The new registry file replaced the old one, but the directory fsync that makes
 * the rename durable failed: the change is what the disk shows now, and may not
 * survive a power loss.
 */
export class RegistryNotDurableError extends KafkaStorageError {}

/** The registry file's name in the data directory. */
export const REGISTRY_FILE = 'tskafka-topics.json';

/** A new topic id: 16 random bytes in Kafka's text form (22 characters of unpadded base64url). */
export function newTopicId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Reads the registry file.
 *
 * @returns the topics it lists; none when there is no file yet
 * @throws an Error naming the file when it cannot be parsed (the broker refuses to start rather than forget topics)
 */
export function readRegistryFile(root: LogDirectory): StoredTopic[] {
  const bytes = root.readFile(REGISTRY_FILE);
  if (bytes === null) return [];
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
    if (!Array.isArray(parsed)) throw new Error('not a JSON array');
    return parsed as StoredTopic[];
  } catch (err) {
    throw new Error(`cannot read the topic registry ${root.path ?? ''}/${REGISTRY_FILE}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Replaces the registry file durably. `atCommit` runs synchronously right before
 * the rename that commits the new file, so whatever it does (a deletion's
 * directory renames) and the commit happen in one turn of the event loop; it
 * returns an undo, called if the rename fails.
 *
 * @throws {@link KafkaStorageError} when anything fails before the rename (the old file is in place);
 *   {@link RegistryNotDurableError} when only the directory fsync after it failed
 */
export async function writeRegistryFile(root: LogDirectory, topics: readonly StoredTopic[], atCommit?: () => () => void): Promise<void> {
  const tmp = REGISTRY_FILE + TEMP_SUFFIX;
  let committed = false;
  try {
    await root.writeFile(tmp, Buffer.from(JSON.stringify(topics, null, 2), 'utf8'));
    const undo = atCommit?.();
    try {
      root.rename(tmp, REGISTRY_FILE);
    } catch (err) {
      undo?.();
      throw err;
    }
    committed = true;
    await root.sync();
  } catch (err) {
    const message = `cannot write the topic registry ${root.path ?? ''}/${REGISTRY_FILE}: ${(err as Error).message}`;
    if (committed) throw new RegistryNotDurableError(message, { cause: err });
    removeQuietly(root, tmp);
    throw new KafkaStorageError(message, { cause: err });
  }
}

/** A failed write's temporary file is left for the next write to replace when it cannot be removed either. */
function removeQuietly(root: LogDirectory, name: string): void {
  try {
    root.remove(name);
  } catch {
    // The next write replaces it, and the file is never read.
  }
}

/** The topics to open at startup, and what reconciling the file with the directories found. */
export interface StartupPlan {
  /** Every topic to open, with its partition count (the file's, or more when directories say so). */
  readonly topics: readonly StoredTopic[];
  /** Topics or partitions the file did not list, recovered from their directories: to log, and to write to the file. */
  readonly recovered: readonly { readonly topic: string; readonly paths: readonly string[]; readonly newTopic: boolean }[];
  /** Directories shaped like partitions whose topic name Kafka would refuse: no topic's, left alone, logged. */
  readonly ignored: readonly { readonly paths: readonly string[]; readonly problem: string }[];
}

/**
 * Reconciles the registry file with the partition directories found.
 *
 * @param stored - the file's topics
 * @param found - the data directory's contents
 * @param topicIdOf - reads a directory's `partition.metadata` (null when it has none)
 * @throws an Error naming the directories when the partitions of one unlisted topic hold different topic ids
 */
export function planStartup(stored: readonly StoredTopic[], found: LogDirContents, topicIdOf: (path: string) => string | null): StartupPlan {
  const byTopic = new Map<string, { partition: number; path: string }[]>();
  for (const p of found.partitions) {
    let list = byTopic.get(p.topic);
    if (!list) byTopic.set(p.topic, (list = []));
    list.push(p);
  }
  const topics: StoredTopic[] = [];
  const recovered: { topic: string; paths: string[]; newTopic: boolean }[] = [];
  const ignored: { paths: string[]; problem: string }[] = [];
  for (const s of stored) {
    const dirs = byTopic.get(s.name) ?? [];
    byTopic.delete(s.name);
    const beyond = dirs.filter((d) => d.partition >= s.partitions);
    const partitions = Math.max(s.partitions, ...dirs.map((d) => d.partition + 1));
    topics.push(partitions === s.partitions ? s : { ...s, partitions });
    if (beyond.length > 0) recovered.push({ topic: s.name, paths: beyond.map((d) => d.path), newTopic: false });
  }
  for (const [name, dirs] of byTopic) {
    const paths = dirs.map((d) => d.path).sort();
    const problem = topicNameProblem(name);
    if (problem !== null) {
      ignored.push({ paths, problem });
      continue;
    }
    const ids = new Set(dirs.map((d) => topicIdOf(d.path)).filter((id): id is string => id !== null));
    if (ids.size > 1) {
      throw new Error(`refusing to start: the partition directories of topic ${name} (${paths.join(', ')}) hold different topic ids (${[...ids].join(', ')}); move the ones that do not belong elsewhere`);
    }
    const [topicId = newTopicId()] = ids;
    topics.push({ name, topicId, partitions: Math.max(...dirs.map((d) => d.partition + 1)), configs: {} });
    recovered.push({ topic: name, paths, newTopic: true });
  }
  return { topics, recovered, ignored };
}

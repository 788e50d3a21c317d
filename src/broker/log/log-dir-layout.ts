/**
 * The layout of the data directory (`log.dirs`), as Kafka lays it out: one
 * directory per partition, `<topic>-<partition>`, holding a
 * `partition.metadata` file with the topic id (KIP-516); a partition being
 * deleted is first renamed `<topic>-<partition>.<uniqueId>-delete` (Java's
 * `UnifiedLog.logDeleteDirName`), so its old name is free at once and a crash
 * never leaves it looking like a live partition.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type LogDirectory } from './storage.js';

/** The file holding a partition's topic id (Java's `PartitionMetadataFile`). */
export const PARTITION_METADATA_FILE = 'partition.metadata';

/** Suffix of a partition directory being deleted. */
export const DELETE_DIR_SUFFIX = '-delete';

/** A file name may have 255 bytes on the usual file systems (Kafka caps its suffixed names to it). */
const MAX_NAME = 255;

/** `<topic>-<partition>`. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/**
 * A fresh name for a partition directory being deleted: `<topic>-<partition>.<uuid without dashes>-delete`,
 * the topic cut short when the whole would pass 255 characters (Java's `logDirNameWithSuffixCappedLength`).
 */
export function deleteDirName(topic: string, partition: number): string {
  const suffix = `-${partition}.${randomUUID().replaceAll('-', '')}${DELETE_DIR_SUFFIX}`;
  return topic.slice(0, MAX_NAME - suffix.length) + suffix;
}

/** Whether a directory name is one {@link deleteDirName} made. */
export function isDeleteDirName(name: string): boolean {
  return /-\d+\.[0-9a-f]{32}-delete$/.test(name);
}

/**
 * Parses a partition directory name. The partition is the number after the last
 * dash, so a topic may itself end in `-<digits>` (`orders-2-0` is partition 0 of `orders-2`).
 *
 * @returns the topic and partition, or null when the name is not `<topic>-<partition>`
 */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | null {
  const m = /^(.+)-(0|[1-9]\d{0,8})$/.exec(name);
  return m ? { topic: m[1]!, partition: Number(m[2]) } : null;
}

/** Kafka's `partition.metadata` text: `version: 0`, `topic_id: <id>`. */
export function formatPartitionMetadata(topicId: string): Buffer {
  return Buffer.from(`version: 0\ntopic_id: ${topicId}\n`, 'utf8');
}

/**
 * The topic id in a partition directory's `partition.metadata`.
 *
 * @returns the id, or null when the file is missing or not in Kafka's format
 */
export function readPartitionTopicId(dir: LogDirectory): string | null {
  const bytes = dir.readFile(PARTITION_METADATA_FILE);
  if (bytes === null) return null;
  const m = /^version: 0\ntopic_id: (\S+)\n?$/.exec(bytes.toString('utf8'));
  return m ? m[1]! : null;
}

/** What a data directory holds besides plain files. */
export interface LogDirContents {
  /** Directories named `<topic>-<partition>`. */
  readonly partitions: readonly { readonly topic: string; readonly partition: number; readonly path: string }[];
  /** Directories of deleted partitions ({@link deleteDirName}) whose removal did not finish. */
  readonly deleting: readonly string[];
  /** Other directories (`__consumer_offsets`, anything a user put there). */
  readonly others: readonly string[];
}

/** Lists the directories in a data directory by kind. */
export function scanLogDir(path: string): LogDirContents {
  const partitions: { topic: string; partition: number; path: string }[] = [];
  const deleting: string[] = [];
  const others: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = join(path, entry.name);
    if (isDeleteDirName(entry.name)) {
      deleting.push(full);
      continue;
    }
    const parsed = parsePartitionDirName(entry.name);
    if (parsed) partitions.push({ ...parsed, path: full });
    else others.push(full);
  }
  return { partitions, deleting, others };
}

/**
 * DescribeLogDirs, v0-v4 (KIP-113, Kafka 1.0; v1 throttles after answering;
 * v2 flexible; v3 a top-level error code, KIP-784; v4 the volume's total and
 * usable bytes, KIP-827). Kafka 4.0 no longer serves v0 (KIP-896); it is kept
 * here for clients of Kafka 1.x-2.x, and is v1 on the wire.
 *
 * One log directory: the data directory (the first of `log.dirs`, as an
 * absolute path, as Kafka reports it). A broker in memory has no directory and
 * reports one named {@link IN_MEMORY_LOG_DIR}, with its volume's sizes unknown
 * (-1), as Kafka sends them when it cannot read them.
 *
 * Per partition (topics null: every partition; else the named partitions that
 * exist, the others left out, as Kafka does): the bytes of its segment files
 * (the log files, not the indexes: Kafka's `UnifiedLog.size`), an offset lag of
 * 0 (Kafka's lag of a current log is its high watermark past its log end
 * offset, never positive), and isFuture false (no AlterReplicaLogDirs, so no
 * future replicas). A topic with no partition to report is left out.
 *
 * ACLs (KafkaApis.handleDescribeLogDirsRequest): DESCRIBE on the CLUSTER, else
 * no directories and CLUSTER_AUTHORIZATION_FAILED at the top level (v3+; before
 * v3 the client sees only an empty answer).
 */
import { statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { DescribeLogDirsRequest } from '../../protocol/generated/describe-log-dirs-request.js';
import { DescribeLogDirsResponse, type DescribeLogDirsResponseDescribeLogDirsTopic } from '../../protocol/generated/describe-log-dirs-response.js';
import { type Input } from '../../protocol/primitives/message.js';
import { AclOperation } from '../acl/acl-binding.js';
import { authorizeCluster } from '../acl/request-authorization.js';
import { type Topic } from '../topics.js';
import { defineHandler } from './handler.js';

/**
 * The log directory a broker in memory reports: SQLite's name for a database
 * kept in memory, which no path on disk can be mistaken for.
 */
export const IN_MEMORY_LOG_DIR = ':memory:';

/** The volume's total and usable bytes (Java's FileStore getTotalSpace / getUsableSpace), -1 each when unknown. */
function volumeBytes(dir: string | null): { totalBytes: bigint; usableBytes: bigint } {
  if (dir === null) return { totalBytes: -1n, usableBytes: -1n };
  try {
    const s = statfsSync(dir, { bigint: true });
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
  } catch {
    return { totalBytes: -1n, usableBytes: -1n };
  }
}

/** The topic's partitions among `indexes` (all when null), each with its size; none when no partition is left. */
function describeTopic(topic: Topic, indexes: readonly number[] | null): Input<DescribeLogDirsResponseDescribeLogDirsTopic>[] {
  const partitions = indexes === null ? topic.partitions : [...new Set(indexes)].flatMap((i) => topic.partitions[i] ?? []);
  if (partitions.length === 0) return [];
  return [{ name: topic.name, partitions: partitions.map((p) => ({ partitionIndex: p.index, partitionSize: BigInt(p.log.sizeInBytes), offsetLag: 0n, isFutureKey: false })) }];
}

export const describeLogDirsHandler = defineHandler({
  apiKey: ApiKey.DescribeLogDirs,
  minVersion: 0,
  maxVersion: 4,
  request: DescribeLogDirsRequest,
  response: DescribeLogDirsResponse,
  handle(ctx, request) {
    if (!authorizeCluster(ctx, AclOperation.DESCRIBE, { logIfDenied: true })) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    }
    const { topics } = ctx.broker;
    let described: Input<DescribeLogDirsResponseDescribeLogDirsTopic>[];
    if (request.topics === null) {
      described = topics.list().flatMap((t) => describeTopic(t, null));
    } else {
      // A topic named twice is answered once, with the partitions of both entries.
      const wanted = new Map<string, number[]>();
      for (const t of request.topics) wanted.set(t.topic, [...(wanted.get(t.topic) ?? []), ...t.partitions]);
      described = [...wanted].flatMap(([name, indexes]) => {
        const topic = topics.get(name);
        return topic === undefined ? [] : describeTopic(topic, indexes);
      });
    }
    const dir = ctx.broker.config.logDir;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [
        {
          errorCode: ErrorCode.NONE,
          logDir: dir === null ? IN_MEMORY_LOG_DIR : resolve(dir),
          topics: described,
          ...volumeBytes(dir),
        },
      ],
    };
  },
});

/**
 * `describeLogDirs` (KIP-113): each broker's log directories, with the size of
 * every partition replica in them, in Java's `LogDirDescription` shape. Every
 * broker (or those named) is asked, since each reports only its own disks.
 * A directory in error (offline) is reported with its error, not thrown, as
 * Java's admin reports it; a refused request (CLUSTER_AUTHORIZATION_FAILED,
 * v3+) rejects.
 */
import { createErrorFromCode } from '../errors/protocol-errors.js';
import { type RequestVersions } from '../network/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { DescribeLogDirsRequest } from '../protocol/generated/describe-log-dirs-request.js';
import { DescribeLogDirsResponse } from '../protocol/generated/describe-log-dirs-response.js';
import { AdminContext, invalidArgument, requireArray } from './admin-context.js';
import { type BrokerLogDirs, type TopicPartitions } from './admin-types.js';

/** v0 (Kafka 1.0) has every field but the volume sizes (v4, KIP-827, read as null before) and the top-level error (v3); v2 flexible. */
const DESCRIBE_LOG_DIRS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 4 });

/** What to describe: `topics` (default all partitions) on `brokers` (default every broker). */
export interface DescribeLogDirsOptions {
  topics?: TopicPartitions[] | null;
  brokers?: number[];
}

/** -1 is Kafka's "unknown". */
const known = (bytes: bigint): number | null => (bytes < 0n ? null : Number(bytes));

/** Check the topics filter: names and partition indexes. */
export function checkTopicPartitions(topics: readonly TopicPartitions[]): void {
  for (const t of topics) {
    if (!t || typeof t.topic !== 'string' || t.topic === '') throw invalidArgument(`Invalid topic ${String(t?.topic)}`);
    if (!Array.isArray(t.partitions) || t.partitions.some((p) => !Number.isInteger(p) || p < 0)) {
      throw invalidArgument(`Invalid partitions ${String(t.partitions)} for topic ${t.topic}: partition indexes >= 0`);
    }
  }
}

/** Each broker's log directories and the partition replicas in them. */
export async function describeLogDirs(ctx: AdminContext, options: DescribeLogDirsOptions = {}): Promise<BrokerLogDirs[]> {
  const topics = options?.topics ?? null;
  if (topics !== null) checkTopicPartitions(requireArray(topics, 'topics'));
  const named = options?.brokers === undefined ? null : requireArray(options.brokers, 'brokers');
  if (named?.some((b) => !Number.isInteger(b) || b < 0)) throw invalidArgument(`Invalid brokers ${named.join(',')}: node ids >= 0`);
  return ctx.retry('describeLogDirs', async () => {
    const brokers = named ?? [...(await ctx.cluster.refreshMetadata()).brokers.keys()].sort((a, b) => a - b);
    return Promise.all(
      brokers.map(async (brokerId) => {
        const connection = await ctx.cluster.connectionFor(brokerId);
        const response = await connection.send(
          DescribeLogDirsRequest,
          DescribeLogDirsResponse,
          { topics: topics === null ? null : topics.map((t) => ({ topic: t.topic, partitions: t.partitions })) },
          { versions: DESCRIBE_LOG_DIRS_VERSIONS },
        );
        AdminContext.check(response.errorCode, `DescribeLogDirs on broker ${brokerId}`);
        return {
          brokerId,
          logDirs: response.results.map((d) => ({
            path: d.logDir,
            error: d.errorCode === ErrorCode.NONE ? null : createErrorFromCode(d.errorCode, `log directory ${d.logDir} of broker ${brokerId}`),
            totalBytes: known(d.totalBytes),
            usableBytes: known(d.usableBytes),
            topics: d.topics.map((t) => ({
              topic: t.name,
              partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, size: Number(p.partitionSize), offsetLag: Number(p.offsetLag), isFuture: p.isFutureKey })),
            })),
          })),
        };
      }),
    );
  });
}

/**
 * `describeProducers` (KIP-664): the idempotent and transactional producers
 * each partition's leader remembers, one DescribeProducers per leader, in
 * Java's `ProducerState` shape. As Java's admin, NOT_LEADER_OR_FOLLOWER (and a
 * lost connection) looks the leader up again and retries; any other partition
 * error is final: they reject together in a `KafkaJSAggregateError`, one
 * protocol error per partition, as KafkaJS reports per-resource errors.
 */
import { KafkaJSAggregateError } from '../errors/errors.js';
import { createErrorFromCode } from '../errors/protocol-errors.js';
import { type RequestVersions } from '../network/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { DescribeProducersRequest } from '../protocol/generated/describe-producers-request.js';
import { DescribeProducersResponse } from '../protocol/generated/describe-producers-response.js';
import { type AdminContext, isRoutingError, requireArray } from './admin-context.js';
import { type DescribeProducersResult, type ProducerState, type TopicPartitions } from './admin-types.js';
import { checkTopicPartitions } from './log-dirs.js';

/** One version (Kafka 2.8+), flexible. */
const DESCRIBE_PRODUCERS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 0 });

/** Codes that mean "ask the leader again", as Java's DescribeProducersHandler unmaps them. */
const RETRY_CODES: ReadonlySet<number> = new Set([ErrorCode.NOT_LEADER_OR_FOLLOWER]);

const key = (topic: string, partition: number): string => `${partition}:${topic}`;

/** The active producers of each partition named, in the order asked. */
export async function describeProducers(ctx: AdminContext, options: { topics: TopicPartitions[] }): Promise<DescribeProducersResult> {
  const topics = requireArray(options?.topics, 'topics');
  checkTopicPartitions(topics);
  return ctx.retry(
    'describeProducers',
    async () => {
      const found = new Map<string, ProducerState[]>();
      const errors: Error[] = [];
      // Partitions by their leader's node id; a partition whose leader cannot be found fails alone, unless that is worth a retry.
      const byLeader = new Map<number, Map<string, number[]>>();
      for (const { topic, partitions } of topics) {
        for (const partition of new Set(partitions)) {
          try {
            const { nodeId } = await ctx.cluster.leaderFor(topic, partition);
            const forLeader = byLeader.get(nodeId) ?? new Map<string, number[]>();
            byLeader.set(nodeId, forLeader.set(topic, [...(forLeader.get(topic) ?? []), partition]));
          } catch (e) {
            if (!(e instanceof Error) || isRoutingError(e)) throw e;
            errors.push(e);
          }
        }
      }
      await Promise.all(
        [...byLeader].map(async ([nodeId, asked]) => {
          const connection = await ctx.cluster.connectionFor(nodeId);
          const response = await connection.send(
            DescribeProducersRequest,
            DescribeProducersResponse,
            { topics: [...asked].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) },
            { versions: DESCRIBE_PRODUCERS_VERSIONS },
          );
          for (const t of response.topics) {
            for (const p of t.partitions) {
              const where = `partition ${p.partitionIndex} of topic "${t.name}"`;
              if (RETRY_CODES.has(p.errorCode)) throw createErrorFromCode(p.errorCode, p.errorMessage ? `${p.errorMessage} (${where})` : where);
              if (p.errorCode !== ErrorCode.NONE) {
                errors.push(createErrorFromCode(p.errorCode, p.errorMessage ? `${p.errorMessage} (${where})` : where));
                continue;
              }
              found.set(
                key(t.name, p.partitionIndex),
                p.activeProducers.map((s) => ({
                  producerId: s.producerId.toString(),
                  producerEpoch: s.producerEpoch,
                  lastSequence: s.lastSequence,
                  lastTimestamp: Number(s.lastTimestamp),
                  coordinatorEpoch: s.coordinatorEpoch < 0 ? null : s.coordinatorEpoch,
                  currentTransactionStartOffset: s.currentTxnStartOffset < 0n ? null : s.currentTxnStartOffset.toString(),
                })),
              );
            }
          }
        }),
      );
      if (errors.length > 0) throw new KafkaJSAggregateError('Errors describing producers', errors);
      return topics.map(({ topic, partitions }) => ({
        topic,
        partitions: [...new Set(partitions)].map((partition) => {
          const activeProducers = found.get(key(topic, partition));
          if (activeProducers === undefined) throw createErrorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `the leader did not answer partition ${partition} of topic "${topic}"`);
          return { partition, activeProducers };
        }),
      }));
    },
    { retryOn: isRoutingError },
  );
}

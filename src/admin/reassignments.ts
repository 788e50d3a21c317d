/**
 * Partition reassignments (KIP-455): `alterPartitionReassignments` and
 * `listPartitionReassignments`, sent to the controller, KafkaJS's arguments,
 * checks and errors: a top-level error rejects with a
 * `KafkaJSAlterPartitionReassignmentsError`, partition errors together in a
 * `KafkaJSAggregateError` of them, one per partition.
 */
import { KafkaJSAggregateError } from '../errors/errors.js';
import { KafkaJSAlterPartitionReassignmentsError, createErrorFromCode } from '../errors/protocol-errors.js';
import { type RequestVersions } from '../network/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { AlterPartitionReassignmentsRequest } from '../protocol/generated/alter-partition-reassignments-request.js';
import { AlterPartitionReassignmentsResponse } from '../protocol/generated/alter-partition-reassignments-response.js';
import { ListPartitionReassignmentsRequest } from '../protocol/generated/list-partition-reassignments-request.js';
import { ListPartitionReassignmentsResponse } from '../protocol/generated/list-partition-reassignments-response.js';
import { AdminContext, invalidArgument, isRoutingError, requireArray } from './admin-context.js';
import { type ListPartitionReassignmentsResponse as ReassignmentsListing, type PartitionReassignment, type TopicPartitions } from './admin-types.js';

/** One version (Kafka 2.4+), flexible. */
const ALTER_PARTITION_REASSIGNMENTS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 0 });
/** One version (Kafka 2.4+), flexible. */
const LIST_PARTITION_REASSIGNMENTS_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 0 });

/** KafkaJS's default broker-side timeout, ms. */
const DEFAULT_TIMEOUT = 5000;

function checkTopicNames(topics: readonly { topic: string }[]): void {
  if (topics.some((t) => typeof t?.topic !== 'string')) throw invalidArgument('Invalid topics array, the topic names have to be a valid string');
  if (new Set(topics.map((t) => t.topic)).size < topics.length) throw invalidArgument('Invalid topics array, it cannot have multiple entries for the same topic');
}

/** Move partitions to new replicas (or cancel a move: `replicas: null`). */
export async function alterPartitionReassignments(ctx: AdminContext, options: { topics: PartitionReassignment[]; timeout?: number }): Promise<void> {
  const topics = requireArray(options?.topics, 'topics');
  checkTopicNames(topics);
  for (const { topic, partitionAssignment } of topics) {
    if (!Array.isArray(partitionAssignment)) throw invalidArgument(`Invalid partitions array: ${String(partitionAssignment)} for topic: ${topic}`);
    for (const { partition, replicas } of partitionAssignment) {
      if (typeof partition !== 'number' || partition < 0) throw invalidArgument(`Invalid partitions index: ${String(partition)} for topic: ${topic}`);
      if (replicas !== null && !Array.isArray(replicas)) throw invalidArgument(`Invalid replica assignment: ${String(replicas)} for topic: ${topic} on partition: ${partition}`);
      if (replicas?.some((r) => typeof r !== 'number' || r < 0)) {
        throw invalidArgument(`Invalid replica assignment: ${replicas.join(',')} for topic: ${topic} on partition: ${partition}. Replicas must be a non negative number`);
      }
    }
  }
  await ctx.retry(
    'alterPartitionReassignments',
    async () => {
      const connection = await ctx.cluster.connectionForController();
      const response = await connection.send(
        AlterPartitionReassignmentsRequest,
        AlterPartitionReassignmentsResponse,
        {
          timeoutMs: options.timeout ?? DEFAULT_TIMEOUT,
          topics: topics.map((t) => ({ name: t.topic, partitions: t.partitionAssignment.map((p) => ({ partitionIndex: p.partition, replicas: p.replicas })) })),
        },
        { versions: ALTER_PARTITION_REASSIGNMENTS_VERSIONS },
      );
      if (response.errorCode !== ErrorCode.NONE) {
        throw new KafkaJSAlterPartitionReassignmentsError(createErrorFromCode(response.errorCode, response.errorMessage));
      }
      const errors = response.responses.flatMap((t) =>
        t.partitions
          .filter((p) => p.errorCode !== ErrorCode.NONE)
          .map((p) => new KafkaJSAlterPartitionReassignmentsError(createErrorFromCode(p.errorCode, `${p.errorMessage ?? 'cannot reassign'} (partition ${p.partitionIndex} of topic "${t.name}")`), t.name, p.partitionIndex)),
      );
      if (errors.length > 0) throw new KafkaJSAggregateError('Errors altering partition reassignments', errors);
    },
    { retryOn: isRoutingError },
  );
}

/** The partition moves in progress, for the named partitions or (no topics) all of them. */
export async function listPartitionReassignments(ctx: AdminContext, options: { topics?: TopicPartitions[] | null; timeout?: number } = {}): Promise<ReassignmentsListing> {
  const topics = options?.topics ?? null;
  if (topics !== null) {
    requireArray(topics, 'topics');
    checkTopicNames(topics);
    for (const { topic, partitions } of topics) {
      if (!Array.isArray(partitions)) throw invalidArgument(`Invalid partition array: ${String(partitions)} for topic: ${topic}`);
      if (partitions.some((p) => typeof p !== 'number' || p < 0)) {
        throw invalidArgument(`Invalid partition array: ${partitions.join(',')} for topic: ${topic}. The partition indices have to be a valid number greater than 0.`);
      }
    }
  }
  return ctx.retry(
    'listPartitionReassignments',
    async () => {
      const connection = await ctx.cluster.connectionForController();
      const response = await connection.send(
        ListPartitionReassignmentsRequest,
        ListPartitionReassignmentsResponse,
        { timeoutMs: options?.timeout ?? DEFAULT_TIMEOUT, topics: topics === null ? null : topics.map((t) => ({ name: t.topic, partitionIndexes: t.partitions })) },
        { versions: LIST_PARTITION_REASSIGNMENTS_VERSIONS },
      );
      AdminContext.check(response.errorCode, 'ListPartitionReassignments', response.errorMessage);
      return {
        topics: response.topics.map((t) => ({
          topic: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas })),
        })),
      };
    },
    { retryOn: isRoutingError },
  );
}

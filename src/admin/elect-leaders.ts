/**
 * `electLeaders` (KIP-183, KIP-460): ask the controller to elect the preferred
 * replica (PREFERRED) or, for partitions without a leader, any live replica
 * (UNCLEAN) as leader.
 *
 * ELECTION_NOT_NEEDED is not an error here: the partition already has the
 * leader asked for, which is what the caller wanted. Java's admin reports it
 * as an exception in `partitions()` (and fails `all()` with it), and every
 * caller then filters it out: Kafka's own `kafka-leader-election` tool lists
 * such partitions apart ("valid replica already elected") and exits 0. So it
 * is a result (`electionNotNeeded: true`); every other partition error rejects,
 * together in a `KafkaJSAggregateError` of protocol errors, one per partition,
 * as KafkaJS reports per-resource errors. A top-level error
 * (CLUSTER_AUTHORIZATION_FAILED) rejects with its protocol error.
 */
import { KafkaJSAggregateError } from '../errors/errors.js';
import { createErrorFromCode } from '../errors/protocol-errors.js';
import { type RequestVersions } from '../network/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ElectLeadersRequest } from '../protocol/generated/elect-leaders-request.js';
import { ElectLeadersResponse } from '../protocol/generated/elect-leaders-response.js';
import { type AdminContext, invalidArgument, isRoutingError, requireArray } from './admin-context.js';
import { type ElectLeadersResult, ElectionTypes, type TopicPartitions } from './admin-types.js';
import { checkTopicPartitions } from './log-dirs.js';

/** v0 (Kafka 2.2) elects the preferred replica only; v1 (2.4) carries the election type; v2 flexible. */
const PREFERRED_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 2 });
const UNCLEAN_VERSIONS: RequestVersions = Object.freeze({ min: 1, max: 2 });

/** KafkaJS's default broker-side timeout of its controller calls, ms. */
const DEFAULT_TIMEOUT = 5000;

/** `electLeaders`' arguments. */
export interface ElectLeadersOptions {
  /** PREFERRED or UNCLEAN, by name or by Kafka's code (0, 1). */
  electionType: keyof typeof ElectionTypes | ElectionTypes;
  /** The partitions; absent or null for every partition of the cluster. */
  topicPartitions?: TopicPartitions[] | null;
  /** How long the controller may take, ms. */
  timeout?: number;
}

function electionTypeOf(value: unknown): ElectionTypes {
  if (value === 'PREFERRED' || value === ElectionTypes.PREFERRED) return ElectionTypes.PREFERRED;
  if (value === 'UNCLEAN' || value === ElectionTypes.UNCLEAN) return ElectionTypes.UNCLEAN;
  throw invalidArgument(`Invalid electionType ${String(value)}: 'PREFERRED', 'UNCLEAN', ElectionTypes.PREFERRED (0) or ElectionTypes.UNCLEAN (1)`);
}

/**
 * Elect leaders: per partition, whether it needed an election. With every
 * partition asked for, the controller answers only those it acted on.
 */
export async function electLeaders(ctx: AdminContext, options: ElectLeadersOptions): Promise<ElectLeadersResult> {
  const electionType = electionTypeOf(options?.electionType);
  const topicPartitions = options.topicPartitions ?? null;
  if (topicPartitions !== null) checkTopicPartitions(requireArray(topicPartitions, 'topicPartitions'));
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  if (!Number.isInteger(timeout) || timeout < 0) throw invalidArgument(`Invalid timeout ${String(timeout)}: ms >= 0`);
  return ctx.retry(
    'electLeaders',
    async () => {
      const connection = await ctx.cluster.connectionForController();
      const response = await connection.send(
        ElectLeadersRequest,
        ElectLeadersResponse,
        { electionType, timeoutMs: timeout, topicPartitions: topicPartitions === null ? null : topicPartitions.map((t) => ({ topic: t.topic, partitions: t.partitions })) },
        { versions: electionType === ElectionTypes.UNCLEAN ? UNCLEAN_VERSIONS : PREFERRED_VERSIONS },
      );
      if (response.errorCode !== ErrorCode.NONE) throw createErrorFromCode(response.errorCode, 'ElectLeaders');
      const errors = response.replicaElectionResults.flatMap((t) =>
        t.partitionResult
          .filter((p) => p.errorCode !== ErrorCode.NONE && p.errorCode !== ErrorCode.ELECTION_NOT_NEEDED)
          .map((p) => createErrorFromCode(p.errorCode, `${p.errorMessage ?? 'cannot elect a leader'} (partition ${p.partitionId} of topic "${t.topic}")`)),
      );
      if (errors.length > 0) throw new KafkaJSAggregateError('Errors electing leaders', errors);
      return response.replicaElectionResults.map((t) => ({
        topic: t.topic,
        partitions: t.partitionResult.map((p) => ({ partition: p.partitionId, electionNotNeeded: p.errorCode === ErrorCode.ELECTION_NOT_NEEDED })),
      }));
    },
    { retryOn: isRoutingError },
  );
}

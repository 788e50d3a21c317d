/**
 * The answer to a request whose handler failed: the API's own response, with
 * the error code on every entry the request named, as Kafka's
 * `AbstractRequest.getErrorResponse` builds it for each request type. A client
 * then sees an error for each partition, group or resource it asked about,
 * instead of a closed connection and an unknown outcome.
 *
 * The code is UNKNOWN_SERVER_ERROR unless the error carries a Kafka code of its
 * own (the log's errors do: `code` and `type`). As Kafka's `ApiError`, the
 * error's message is sent only with a specific code: an unexpected error's
 * message may say more about the broker than a client should learn.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { AlterClientQuotasRequest } from '../protocol/generated/alter-client-quotas-request.js';
import { AlterClientQuotasResponse } from '../protocol/generated/alter-client-quotas-response.js';
import { AlterConfigsRequest } from '../protocol/generated/alter-configs-request.js';
import { AlterConfigsResponse } from '../protocol/generated/alter-configs-response.js';
import { AlterPartitionReassignmentsRequest } from '../protocol/generated/alter-partition-reassignments-request.js';
import { AlterPartitionReassignmentsResponse } from '../protocol/generated/alter-partition-reassignments-response.js';
import { AlterUserScramCredentialsRequest } from '../protocol/generated/alter-user-scram-credentials-request.js';
import { AlterUserScramCredentialsResponse } from '../protocol/generated/alter-user-scram-credentials-response.js';
import { ApiVersionsRequest } from '../protocol/generated/api-versions-request.js';
import { ApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import { CreateAclsRequest } from '../protocol/generated/create-acls-request.js';
import { CreateAclsResponse } from '../protocol/generated/create-acls-response.js';
import { CreatePartitionsRequest } from '../protocol/generated/create-partitions-request.js';
import { CreatePartitionsResponse } from '../protocol/generated/create-partitions-response.js';
import { CreateTopicsRequest } from '../protocol/generated/create-topics-request.js';
import { CreateTopicsResponse } from '../protocol/generated/create-topics-response.js';
import { DeleteAclsRequest } from '../protocol/generated/delete-acls-request.js';
import { DeleteAclsResponse } from '../protocol/generated/delete-acls-response.js';
import { DeleteGroupsRequest } from '../protocol/generated/delete-groups-request.js';
import { DeleteGroupsResponse } from '../protocol/generated/delete-groups-response.js';
import { DeleteRecordsRequest } from '../protocol/generated/delete-records-request.js';
import { DeleteRecordsResponse } from '../protocol/generated/delete-records-response.js';
import { DeleteTopicsRequest } from '../protocol/generated/delete-topics-request.js';
import { DeleteTopicsResponse } from '../protocol/generated/delete-topics-response.js';
import { DescribeAclsRequest } from '../protocol/generated/describe-acls-request.js';
import { DescribeAclsResponse } from '../protocol/generated/describe-acls-response.js';
import { DescribeClientQuotasRequest } from '../protocol/generated/describe-client-quotas-request.js';
import { DescribeClientQuotasResponse } from '../protocol/generated/describe-client-quotas-response.js';
import { DescribeClusterRequest } from '../protocol/generated/describe-cluster-request.js';
import { DescribeClusterResponse } from '../protocol/generated/describe-cluster-response.js';
import { DescribeConfigsRequest } from '../protocol/generated/describe-configs-request.js';
import { DescribeConfigsResponse } from '../protocol/generated/describe-configs-response.js';
import { DescribeGroupsRequest } from '../protocol/generated/describe-groups-request.js';
import { DescribeGroupsResponse } from '../protocol/generated/describe-groups-response.js';
import { DescribeLogDirsRequest } from '../protocol/generated/describe-log-dirs-request.js';
import { DescribeLogDirsResponse } from '../protocol/generated/describe-log-dirs-response.js';
import { DescribeProducersRequest } from '../protocol/generated/describe-producers-request.js';
import { DescribeProducersResponse } from '../protocol/generated/describe-producers-response.js';
import { DescribeUserScramCredentialsRequest } from '../protocol/generated/describe-user-scram-credentials-request.js';
import { DescribeUserScramCredentialsResponse } from '../protocol/generated/describe-user-scram-credentials-response.js';
import { ElectLeadersRequest } from '../protocol/generated/elect-leaders-request.js';
import { ElectLeadersResponse } from '../protocol/generated/elect-leaders-response.js';
import { FetchRequest } from '../protocol/generated/fetch-request.js';
import { FetchResponse } from '../protocol/generated/fetch-response.js';
import { FindCoordinatorRequest } from '../protocol/generated/find-coordinator-request.js';
import { FindCoordinatorResponse } from '../protocol/generated/find-coordinator-response.js';
import { HeartbeatRequest } from '../protocol/generated/heartbeat-request.js';
import { HeartbeatResponse } from '../protocol/generated/heartbeat-response.js';
import { IncrementalAlterConfigsRequest } from '../protocol/generated/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../protocol/generated/incremental-alter-configs-response.js';
import { InitProducerIdRequest } from '../protocol/generated/init-producer-id-request.js';
import { InitProducerIdResponse } from '../protocol/generated/init-producer-id-response.js';
import { JoinGroupRequest } from '../protocol/generated/join-group-request.js';
import { JoinGroupResponse } from '../protocol/generated/join-group-response.js';
import { LeaveGroupRequest } from '../protocol/generated/leave-group-request.js';
import { LeaveGroupResponse } from '../protocol/generated/leave-group-response.js';
import { ListGroupsRequest } from '../protocol/generated/list-groups-request.js';
import { ListGroupsResponse } from '../protocol/generated/list-groups-response.js';
import { ListOffsetsRequest } from '../protocol/generated/list-offsets-request.js';
import { ListOffsetsResponse } from '../protocol/generated/list-offsets-response.js';
import { ListPartitionReassignmentsRequest } from '../protocol/generated/list-partition-reassignments-request.js';
import { ListPartitionReassignmentsResponse } from '../protocol/generated/list-partition-reassignments-response.js';
import { MetadataRequest } from '../protocol/generated/metadata-request.js';
import { MetadataResponse } from '../protocol/generated/metadata-response.js';
import { OffsetCommitRequest } from '../protocol/generated/offset-commit-request.js';
import { OffsetCommitResponse } from '../protocol/generated/offset-commit-response.js';
import { OffsetDeleteRequest } from '../protocol/generated/offset-delete-request.js';
import { OffsetDeleteResponse } from '../protocol/generated/offset-delete-response.js';
import { OffsetFetchRequest } from '../protocol/generated/offset-fetch-request.js';
import { OffsetFetchResponse } from '../protocol/generated/offset-fetch-response.js';
import { ProduceRequest } from '../protocol/generated/produce-request.js';
import { ProduceResponse } from '../protocol/generated/produce-response.js';
import { SaslAuthenticateRequest } from '../protocol/generated/sasl-authenticate-request.js';
import { SaslAuthenticateResponse } from '../protocol/generated/sasl-authenticate-response.js';
import { SaslHandshakeRequest } from '../protocol/generated/sasl-handshake-request.js';
import { SaslHandshakeResponse } from '../protocol/generated/sasl-handshake-response.js';
import { SyncGroupRequest } from '../protocol/generated/sync-group-request.js';
import { SyncGroupResponse } from '../protocol/generated/sync-group-response.js';
import { type Input, type MessageCodec } from '../protocol/primitives/message.js';

/** The error a failed request is answered with. */
export interface RequestError {
  readonly code: number;
  /** Sent where the response has a message field; null for UNKNOWN_SERVER_ERROR. */
  readonly message: string | null;
}

/** The Kafka error for something a handler threw: its own code when it carries one (`code` and `type` naming the same Kafka error), else UNKNOWN_SERVER_ERROR. */
export function requestErrorFor(thrown: unknown): RequestError {
  if (thrown instanceof Error) {
    const { code, type } = thrown as Error & { code?: unknown; type?: unknown };
    if (typeof code === 'number' && code !== ErrorCode.NONE && typeof type === 'string' && (ErrorCode as Record<string, number>)[type] === code) {
      return { code, message: thrown.message };
    }
  }
  return { code: ErrorCode.UNKNOWN_SERVER_ERROR, message: null };
}

type Build<Req, Res> = (request: Req, error: RequestError, version: number) => Input<Res>;

interface ErrorResponseBuilder {
  readonly response: MessageCodec<unknown>;
  readonly build: Build<unknown, unknown>;
}

const builders = new Map<number, ErrorResponseBuilder>();

function define<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, build: Build<Req, Res>): void {
  builders.set(request.apiKey, { response: response as MessageCodec<unknown>, build: build as Build<unknown, unknown> });
}

/** One error per partition the request named, in its order. */
function perPartition<T extends { readonly name: string }, P, R>(topics: readonly T[], partitionsOf: (t: T) => readonly P[], each: (p: P) => R): { name: string; partitions: R[] }[] {
  return topics.map((t) => ({ name: t.name, partitions: partitionsOf(t).map(each) }));
}

define(ProduceRequest, ProduceResponse, (r, e) => ({
  responses: r.topicData.map((t) => ({
    name: t.name,
    partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: e.code, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, errorMessage: e.message })),
  })),
}));

// Kafka: from v13 the top-level code alone says it; before, each partition carries it (v7-v12 both).
define(FetchRequest, FetchResponse, (r, e, v) => ({
  errorCode: v >= 7 ? e.code : undefined,
  responses:
    v >= 13
      ? []
      : r.topics.map((t) => ({
          topic: t.topic,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: e.code, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n })),
        })),
}));

define(ListOffsetsRequest, ListOffsetsResponse, (r, e) => ({
  topics: perPartition(r.topics, (t) => t.partitions, (p) => ({ partitionIndex: p.partitionIndex, errorCode: e.code, timestamp: -1n, offset: -1n, leaderEpoch: -1 })),
}));

define(MetadataRequest, MetadataResponse, (r, e) => ({
  topics: (r.topics ?? []).map((t) => ({ errorCode: e.code, name: t.name, topicId: t.topicId })),
}));

define(OffsetCommitRequest, OffsetCommitResponse, (r, e) => ({
  topics: perPartition(r.topics, (t) => t.partitions, (p) => ({ partitionIndex: p.partitionIndex, errorCode: e.code })),
}));

// v1 has only per-partition codes, v2-v7 a top-level one too, v8+ one per group.
define(OffsetFetchRequest, OffsetFetchResponse, (r, e, v) => ({
  errorCode: v >= 2 && v < 8 ? e.code : undefined,
  topics: perPartition(r.topics ?? [], (t) => t.partitionIndexes, (partitionIndex) => ({ partitionIndex, committedOffset: -1n, metadata: '', errorCode: e.code })),
  groups: r.groups.map((g) => ({ groupId: g.groupId, errorCode: e.code })),
}));

// v0-v3 answer one key at the top level, v4+ one entry per key (KIP-699).
define(FindCoordinatorRequest, FindCoordinatorResponse, (r, e, v) =>
  v < 4
    ? { errorCode: e.code, errorMessage: e.message, nodeId: -1, host: '', port: -1 }
    : { coordinators: r.coordinatorKeys.map((key) => ({ key, nodeId: -1, host: '', port: -1, errorCode: e.code, errorMessage: e.message })) },
);

define(JoinGroupRequest, JoinGroupResponse, (r, e) => ({ errorCode: e.code, generationId: -1, memberId: r.memberId, leader: '' }));
define(HeartbeatRequest, HeartbeatResponse, (_r, e) => ({ errorCode: e.code }));
define(LeaveGroupRequest, LeaveGroupResponse, (_r, e) => ({ errorCode: e.code }));
define(SyncGroupRequest, SyncGroupResponse, (_r, e) => ({ errorCode: e.code }));
define(DescribeGroupsRequest, DescribeGroupsResponse, (r, e) => ({ groups: r.groups.map((groupId) => ({ groupId, errorCode: e.code })) }));
define(ListGroupsRequest, ListGroupsResponse, (_r, e) => ({ errorCode: e.code }));
define(SaslHandshakeRequest, SaslHandshakeResponse, (_r, e) => ({ errorCode: e.code }));
define(ApiVersionsRequest, ApiVersionsResponse, (_r, e) => ({ errorCode: e.code }));

define(CreateTopicsRequest, CreateTopicsResponse, (r, e) => ({
  topics: r.topics.map((t) => ({ name: t.name, errorCode: e.code, errorMessage: e.message })),
}));

// v0-v5 name topics in topicNames, v6 in topics (by name or id).
define(DeleteTopicsRequest, DeleteTopicsResponse, (r, e) => ({
  responses: [...r.topicNames.map((name) => ({ name })), ...r.topics.map((t) => ({ name: t.name, topicId: t.topicId }))].map((t) => ({ ...t, errorCode: e.code, errorMessage: e.message })),
}));

define(DeleteRecordsRequest, DeleteRecordsResponse, (r, e) => ({
  topics: perPartition(r.topics, (t) => t.partitions, (p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: e.code })),
}));

define(InitProducerIdRequest, InitProducerIdResponse, (_r, e) => ({ errorCode: e.code, producerId: -1n, producerEpoch: -1 }));

define(DescribeAclsRequest, DescribeAclsResponse, (_r, e) => ({ errorCode: e.code, errorMessage: e.message }));
define(CreateAclsRequest, CreateAclsResponse, (r, e) => ({ results: r.creations.map(() => ({ errorCode: e.code, errorMessage: e.message })) }));
define(DeleteAclsRequest, DeleteAclsResponse, (r, e) => ({ filterResults: r.filters.map(() => ({ errorCode: e.code, errorMessage: e.message })) }));

define(DescribeConfigsRequest, DescribeConfigsResponse, (r, e) => ({
  results: r.resources.map((res) => ({ errorCode: e.code, errorMessage: e.message, resourceType: res.resourceType, resourceName: res.resourceName })),
}));

define(AlterConfigsRequest, AlterConfigsResponse, (r, e) => ({
  responses: r.resources.map((res) => ({ errorCode: e.code, errorMessage: e.message, resourceType: res.resourceType, resourceName: res.resourceName })),
}));

define(IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, (r, e) => ({
  responses: r.resources.map((res) => ({ errorCode: e.code, errorMessage: e.message, resourceType: res.resourceType, resourceName: res.resourceName })),
}));

define(SaslAuthenticateRequest, SaslAuthenticateResponse, (_r, e) => ({ errorCode: e.code, errorMessage: e.message }));

define(CreatePartitionsRequest, CreatePartitionsResponse, (r, e) => ({
  results: r.topics.map((t) => ({ name: t.name, errorCode: e.code, errorMessage: e.message })),
}));

define(DeleteGroupsRequest, DeleteGroupsResponse, (r, e) => ({ results: r.groupsNames.map((groupId) => ({ groupId, errorCode: e.code })) }));
// Kafka's OffsetDeleteRequest.getErrorResponse: the top-level code, no topics.
define(OffsetDeleteRequest, OffsetDeleteResponse, (_r, e) => ({ errorCode: e.code, topics: [] }));
// Kafka's getErrorResponse of both: the top-level code and, for a reassignment, every partition named.
define(AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse, (r, e) => ({
  errorCode: e.code,
  errorMessage: e.message,
  responses: r.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: e.code, errorMessage: e.message })) })),
}));
define(ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse, (_r, e) => ({ errorCode: e.code, errorMessage: e.message }));
define(DescribeClusterRequest, DescribeClusterResponse, (_r, e) => ({ errorCode: e.code, errorMessage: e.message }));
// Kafka's: the top-level code (v3+). Before v3 there is none, so one log directory (no path) carries it, or the client would see an empty answer.
define(DescribeLogDirsRequest, DescribeLogDirsResponse, (_r, e, v) => (v >= 3 ? { errorCode: e.code } : { results: [{ errorCode: e.code, logDir: '', topics: [] }] }));
define(DescribeProducersRequest, DescribeProducersResponse, (r, e) => ({
  topics: r.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: e.code, errorMessage: e.message })) })),
}));
// Kafka's: the top-level code (v1+) and every partition named.
define(ElectLeadersRequest, ElectLeadersResponse, (r, e, v) => ({
  errorCode: v >= 1 ? e.code : undefined,
  replicaElectionResults: (r.topicPartitions ?? []).map((t) => ({ topic: t.topic, partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode: e.code, errorMessage: e.message })) })),
}));
// Kafka's getErrorResponse of the quota and SCRAM APIs (KIP-546, KIP-554): per entity or user named, or the top-level code.
define(DescribeClientQuotasRequest, DescribeClientQuotasResponse, (_r, e) => ({ errorCode: e.code, errorMessage: e.message, entries: null }));
define(AlterClientQuotasRequest, AlterClientQuotasResponse, (r, e) => ({ entries: r.entries.map((x) => ({ errorCode: e.code, errorMessage: e.message, entity: x.entity })) }));
define(DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse, (_r, e) => ({ errorCode: e.code, errorMessage: e.message }));
define(AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse, (r, e) => ({
  results: [...new Set([...r.deletions, ...r.upsertions].map((x) => x.name))].map((user) => ({ user, errorCode: e.code, errorMessage: e.message })),
}));

/**
 * The body answering `request` (of API `apiKey` at `version`) with `error`, for
 * `response`. An API without a builder here is answered with a top-level
 * `errorCode` when its response has one at that version; otherwise there is no
 * answer to give (undefined), and the caller closes the connection.
 */
export function errorResponse(apiKey: number, version: number, response: MessageCodec<unknown>, request: unknown, error: RequestError): unknown {
  const builder = builders.get(apiKey);
  if (builder) return builder.build(request, error, version);
  // A top-level errorCode is the one field whose value changes the encoding of `{ errorCode }`.
  const probe = { errorCode: error.code };
  try {
    return response.encode(version, probe).equals(response.encode(version, {})) ? undefined : probe;
  } catch {
    return undefined; // the field exists in other versions only
  }
}

/** API keys with a builder of their own (tests check that every served API has one). */
export function apiKeysWithErrorResponses(): ReadonlySet<number> {
  return new Set(builders.keys());
}

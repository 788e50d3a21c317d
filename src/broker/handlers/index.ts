/**
 * Every API the embedded broker serves; ApiVersions advertises exactly these.
 * Transaction APIs arrive with transactions and are absent until then.
 */
import { alterClientQuotasHandler } from './alter-client-quotas.js';
import { alterConfigsHandler } from './alter-configs.js';
import { alterPartitionReassignmentsHandler } from './alter-partition-reassignments.js';
import { alterUserScramCredentialsHandler } from './alter-user-scram-credentials.js';
import { apiVersionsHandler } from './api-versions.js';
import { createAclsHandler } from './create-acls.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteAclsHandler } from './delete-acls.js';
import { deleteGroupsHandler } from './delete-groups.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeAclsHandler } from './describe-acls.js';
import { describeClientQuotasHandler } from './describe-client-quotas.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeConfigsHandler } from './describe-configs.js';
import { describeGroupsHandler } from './describe-groups.js';
import { describeUserScramCredentialsHandler } from './describe-user-scram-credentials.js';
import { describeLogDirsHandler } from './describe-log-dirs.js';
import { describeProducersHandler } from './describe-producers.js';
import { electLeadersHandler } from './elect-leaders.js';
import { fetchHandler } from './fetch.js';
import { findCoordinatorHandler } from './find-coordinator.js';
import { type Handler } from './handler.js';
import { heartbeatHandler } from './heartbeat.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { joinGroupHandler } from './join-group.js';
import { leaveGroupHandler } from './leave-group.js';
import { listGroupsHandler } from './list-groups.js';
import { listOffsetsHandler } from './list-offsets.js';
import { listPartitionReassignmentsHandler } from './list-partition-reassignments.js';
import { metadataHandler } from './metadata.js';
import { offsetCommitHandler } from './offset-commit.js';
import { offsetDeleteHandler } from './offset-delete.js';
import { offsetFetchHandler } from './offset-fetch.js';
import { produceHandler } from './produce.js';
import { saslAuthenticateHandler } from './sasl-authenticate.js';
import { saslHandshakeHandler } from './sasl-handshake.js';
import { syncGroupHandler } from './sync-group.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const allHandlers: readonly Handler<any, any>[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  syncGroupHandler,
  describeGroupsHandler,
  listGroupsHandler,
  saslHandshakeHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  deleteRecordsHandler,
  initProducerIdHandler,
  describeAclsHandler,
  createAclsHandler,
  deleteAclsHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  saslAuthenticateHandler,
  createPartitionsHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
  incrementalAlterConfigsHandler,
  describeClusterHandler,
  alterPartitionReassignmentsHandler,
  listPartitionReassignmentsHandler,
  describeClientQuotasHandler,
  alterClientQuotasHandler,
  describeUserScramCredentialsHandler,
  alterUserScramCredentialsHandler,
  describeLogDirsHandler,
  describeProducersHandler,
  electLeadersHandler,
];

/**
 * Group membership for the consumer (classic protocol): {@link GroupMember}
 * and what it needs and reports.
 */
export { type CommittedOffset, rebalanceInProgressError } from './coordinator-calls.js';
export { GroupMember } from './group-member.js';
export { type GroupMemberEvent, type GroupMemberOptions, type RebalanceHooks, validateGroupMemberOptions } from './group-member-options.js';
export { createAssignerCluster, listTopicNames, resolveSubscribedTopics } from './group-metadata.js';
export { CONSUMER_PROTOCOL_TYPE, type GroupDescription, type MemberDescription } from './group-requests.js';
export { MEMBER_TRANSITIONS, MemberState, canTransition } from './member-state.js';
export { type OffsetToCommit } from './offset-requests.js';

/**
 * KafkaJS's RoundRobinAssigner, exactly: the same protocol name, version,
 * metadata bytes, order and result, so that a group mixing KafkaJS and tskafka
 * members agrees on the protocol and whichever of them leads assigns the same.
 *
 * The algorithm (KafkaJS `src/consumer/assigners/roundRobinAssigner`): member
 * ids sorted; every partition of every topic in `topics` (in the order given,
 * partitions in metadata order) dealt in turn to the next member. It ignores
 * the members' own subscriptions, as KafkaJS does, so it suits groups whose
 * members subscribe to the same topics; members that get nothing are left out
 * of the result (the coordinator sends them an empty assignment).
 */
import { AssignerProtocol, type Assignment } from './assigner-protocol.js';
import { type Assigner, type AssignerGroupAssignment, type PartitionAssigner } from './assigner.js';

const NAME = 'RoundRobinAssigner';
const VERSION = 0;

/** KafkaJS's round-robin assigner ('RoundRobinAssigner', metadata v0). */
export const roundRobin: PartitionAssigner = ({ cluster }): Assigner => ({
  name: NAME,
  version: VERSION,

  async assign({ members, topics }): Promise<AssignerGroupAssignment[]> {
    const membersCount = members.length;
    // Default sort, as KafkaJS: UTF-16 code unit order.
    const sortedMembers = members.map(({ memberId }) => memberId).sort();
    // Plain objects keyed by member and topic, as KafkaJS, so the order of
    // Object.keys (and so of the result and of the encoded topics) is the same.
    const assignment: Record<string, Assignment> = {};
    let i = 0;
    for (const topic of topics) {
      for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
        const assignee = sortedMembers[i++ % membersCount]!;
        const byTopic = (assignment[assignee] ??= Object.create(null) as Assignment);
        (byTopic[topic] ??= []).push(partitionId);
      }
    }
    return Object.keys(assignment).map((memberId) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: VERSION, assignment: assignment[memberId]! }),
    }));
  },

  protocol({ topics }) {
    // KafkaJS's v0 bytes: owned partitions, generation and rack are not sent.
    return { name: NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics }) };
  },
});

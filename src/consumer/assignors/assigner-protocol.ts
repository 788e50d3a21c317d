/**
 * The bytes inside JoinGroup's protocol metadata and SyncGroup's assignment for
 * the "consumer" protocol type.
 *
 * Two views of the same format:
 * - {@link AssignerProtocol}: KafkaJS's `AssignerProtocol`, byte for byte, for
 *   custom assigners written against KafkaJS and for the round-robin assigner a
 *   mixed KafkaJS / tskafka group agrees on;
 * - {@link encodeSubscription} / {@link decodeSubscription} and
 *   {@link encodeAssignment} / {@link decodeAssignment}: the whole
 *   ConsumerProtocolSubscription (v0-v3: owned partitions KIP-429, generation
 *   KIP-792, rack KIP-881) and ConsumerProtocolAssignment, through the codecs
 *   generated from Kafka's own specs.
 *
 * Both are "versioned" structs: an int16 version, then the body of that version.
 * As Java's `ConsumerProtocol` does, a version newer than we know is read as the
 * newest we know (newer versions only append fields), and bytes after the body
 * are ignored; a negative version, or a body that ends early, is an error naming
 * the struct, the version and the byte where it went wrong.
 */
import { ConsumerProtocolAssignment } from '../../protocol/generated/consumer-protocol-assignment.js';
import { ConsumerProtocolSubscription } from '../../protocol/generated/consumer-protocol-subscription.js';
import { type MessageCodec, ProtocolDecodeError } from '../../protocol/primitives/message.js';
import { Reader } from '../../protocol/primitives/reader.js';
import { Writer } from '../../protocol/primitives/writer.js';
import { type TopicPartition } from '../subscription-state.js';

/** KafkaJS's `Assignment`: partition ids by topic. */
export interface Assignment {
  [topic: string]: number[];
}

/** KafkaJS's `MemberMetadata` (the v0 subscription). */
export interface MemberMetadata {
  version: number;
  topics: string[];
  userData: Buffer | null;
}

/** KafkaJS's `MemberAssignment`. */
export interface MemberAssignment {
  version: number;
  assignment: Assignment;
  userData: Buffer | null;
}

/** A `{ encode, decode }` pair, KafkaJS's `ISerializer`. */
export interface Serializer<T, In = T> {
  encode(value: In): Buffer;
  decode(buffer: Buffer): T | null;
}

/** Reads a KafkaJS-shaped struct, turning a read past the end into a {@link ProtocolDecodeError}. */
function readKafkaJs<T>(name: string, buffer: Buffer, read: (r: Reader) => T): T {
  const r = new Reader(buffer);
  try {
    return read(r);
  } catch (e) {
    if (e instanceof RangeError) throw new ProtocolDecodeError(name, -1, r.pos, e.message);
    throw e;
  }
}

/** Arrays as KafkaJS's decoder reads them: a null array (-1) is empty. */
function readArray<T>(r: Reader, item: (r: Reader) => T): T[] {
  const n = r.arrayLength();
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(item(r));
  return out;
}

/**
 * KafkaJS's `AssignerProtocol`: the same bytes its encoders write and the same
 * objects its decoders return. `userData` defaults to empty bytes (not null) as
 * KafkaJS's does; `MemberAssignment.decode` of fewer than two bytes (a member the
 * leader left out) is null, as in KafkaJS.
 */
export const AssignerProtocol: {
  MemberMetadata: Serializer<MemberMetadata, { version: number; topics: string[]; userData?: Buffer | null }>;
  MemberAssignment: Serializer<MemberAssignment, { version: number; assignment: Assignment; userData?: Buffer | null }>;
} = Object.freeze({
  MemberMetadata: Object.freeze({
    encode({ version, topics, userData = Buffer.alloc(0) }: { version: number; topics: string[]; userData?: Buffer | null }): Buffer {
      const w = new Writer(64);
      w.int16(version);
      w.int32(topics.length);
      for (const topic of topics) w.string(topic);
      w.bytes(userData);
      return w.toBuffer();
    },
    decode(buffer: Buffer): MemberMetadata {
      return readKafkaJs('MemberMetadata', buffer, (r) => ({
        version: r.int16(),
        topics: readArray(r, (x) => x.string()),
        userData: r.nullableBytes(),
      }));
    },
  }),
  MemberAssignment: Object.freeze({
    encode({ version, assignment, userData = Buffer.alloc(0) }: { version: number; assignment: Assignment; userData?: Buffer | null }): Buffer {
      const w = new Writer(64);
      w.int16(version);
      // Object.keys order, as KafkaJS: integer-like topic names first, then insertion order.
      const topics = Object.keys(assignment);
      w.int32(topics.length);
      for (const topic of topics) {
        const partitions = assignment[topic] ?? [];
        w.string(topic);
        w.int32(partitions.length);
        for (const partition of partitions) w.int32(partition);
      }
      w.bytes(userData);
      return w.toBuffer();
    },
    decode(buffer: Buffer): MemberAssignment | null {
      if (buffer.length < 2) return null;
      return readKafkaJs('MemberAssignment', buffer, (r) => {
        const version = r.int16();
        const assignment: Assignment = {};
        for (const { topic, partitions } of readArray(r, (x) => ({ topic: x.string(), partitions: readArray(x, (y) => y.int32()) }))) {
          // defineProperty, not assignment: a topic named "__proto__" is a legal Kafka name.
          Object.defineProperty(assignment, topic, { value: partitions, enumerable: true, writable: true, configurable: true });
        }
        return { version, assignment, userData: r.nullableBytes() };
      });
    },
  }),
});

/** A decoded ConsumerProtocolSubscription, owned partitions flattened. */
export interface Subscription {
  /** The version the member wrote (may be newer than {@link SUBSCRIPTION_VERSION}). */
  version: number;
  topics: string[];
  userData: Buffer | null;
  /** v1+: partitions the member owns while it rejoins (KIP-429); [] before v1. */
  ownedPartitions: TopicPartition[];
  /** v2+: the generation of those partitions (KIP-792); -1 before v2 or when unknown. */
  generationId: number;
  /** v3+: the member's rack (KIP-881); null before v3. */
  rackId: string | null;
}

/** A decoded ConsumerProtocolAssignment, partitions flattened. */
export interface DecodedAssignment {
  version: number;
  assignedPartitions: TopicPartition[];
  userData: Buffer | null;
}

/** The newest ConsumerProtocolSubscription version we write and read. */
export const SUBSCRIPTION_VERSION = ConsumerProtocolSubscription.maxVersion;
/** The newest ConsumerProtocolAssignment version (the body is the same in every version). */
export const ASSIGNMENT_VERSION = ConsumerProtocolAssignment.maxVersion;

/** Partitions grouped by topic in first-seen order, for the wire's `[topic [partition]]`. */
export function groupByTopic(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    let list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, (list = []));
    list.push(partition);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list }));
}

function flatten(groups: readonly { topic: string; partitions: number[] }[]): TopicPartition[] {
  return groups.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })));
}

/** Writes the int16 version, then the body of that version. */
function encodeVersioned<T>(codec: MessageCodec<T>, version: number, body: Parameters<MessageCodec<T>['write']>[2]): Buffer {
  const w = new Writer(128);
  w.int16(version);
  codec.write(w, version, body);
  return w.toBuffer();
}

/** Reads the int16 version, then the body as that version, or as the newest we know when it is newer (Java's forward compatibility). */
function decodeVersioned<T>(codec: MessageCodec<T>, buffer: Uint8Array): { version: number; body: T } {
  if (buffer.length < 2) {
    throw new ProtocolDecodeError(codec.name, -1, 0, `${buffer.length} bytes cannot hold the int16 version`);
  }
  const r = new Reader(buffer);
  const version = r.int16();
  if (version < codec.minVersion) {
    throw new ProtocolDecodeError(codec.name, version, 0, `version ${version} is not a version of ${codec.name} (${codec.minVersion}-${codec.maxVersion}, or newer)`);
  }
  // Bytes after the body are left unread, as Java does: a newer version's extra fields.
  return { version, body: codec.read(r, Math.min(version, codec.maxVersion)) };
}

/**
 * Encode a ConsumerProtocolSubscription (JoinGroup protocol metadata).
 *
 * @param version - 0-3, default the newest; fields the version lacks are dropped
 *   (owned partitions before v1, generation before v2, rack before v3)
 */
export function encodeSubscription(
  subscription: { topics: readonly string[]; userData?: Buffer | null; ownedPartitions?: readonly TopicPartition[]; generationId?: number; rackId?: string | null },
  version: number = SUBSCRIPTION_VERSION,
): Buffer {
  return encodeVersioned(ConsumerProtocolSubscription, version, {
    topics: subscription.topics,
    userData: subscription.userData ?? null,
    ownedPartitions: version >= 1 ? groupByTopic(subscription.ownedPartitions ?? []) : [],
    generationId: version >= 2 ? (subscription.generationId ?? -1) : -1,
    rackId: version >= 3 ? (subscription.rackId ?? null) : null,
  });
}

/**
 * Decode a ConsumerProtocolSubscription of any version (KafkaJS's v0 metadata
 * included); a version newer than 3 is read as 3.
 *
 * @throws ProtocolDecodeError when the bytes are too short or the version is negative
 */
export function decodeSubscription(buffer: Uint8Array): Subscription {
  const { version, body } = decodeVersioned(ConsumerProtocolSubscription, buffer);
  return {
    version,
    topics: body.topics,
    userData: body.userData,
    ownedPartitions: flatten(body.ownedPartitions),
    generationId: body.generationId,
    rackId: body.rackId,
  };
}

/**
 * Encode a ConsumerProtocolAssignment (a SyncGroup assignment). `userData`
 * defaults to null, as Java's assignors send.
 */
export function encodeAssignment(
  assignment: { assignedPartitions: readonly TopicPartition[]; userData?: Buffer | null },
  version: number = ASSIGNMENT_VERSION,
): Buffer {
  return encodeVersioned(ConsumerProtocolAssignment, version, {
    assignedPartitions: groupByTopic(assignment.assignedPartitions),
    userData: assignment.userData ?? null,
  });
}

/**
 * Decode a ConsumerProtocolAssignment of any version. Empty bytes (the
 * coordinator's answer to a member the leader left out, as KafkaJS's
 * round-robin does for members with nothing) are an empty assignment.
 *
 * @throws ProtocolDecodeError when the bytes are truncated or the version is negative
 */
export function decodeAssignment(buffer: Uint8Array): DecodedAssignment {
  if (buffer.length === 0) return { version: 0, assignedPartitions: [], userData: null };
  const { version, body } = decodeVersioned(ConsumerProtocolAssignment, buffer);
  return { version, assignedPartitions: flatten(body.assignedPartitions), userData: body.userData };
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import {
  AssignerProtocol,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../../src/consumer/assignors/assigner-protocol.js';
import { ProtocolDecodeError } from '../../../src/protocol/primitives/message.js';

const KafkaJSProtocol = kafkajs.AssignerProtocol;

const metadataCases: { version: number; topics: string[]; userData?: Buffer | null }[] = [
  { version: 0, topics: ['orders'] },
  { version: 0, topics: [] },
  { version: 1, topics: ['a', 'b', 'ü-topic-ñ'], userData: Buffer.from('hello') },
  { version: 0, topics: ['t'], userData: null },
  { version: 3, topics: ['x'.repeat(300), 'y'], userData: Buffer.alloc(0) },
];

const assignmentCases: { version: number; assignment: Record<string, number[]>; userData?: Buffer | null }[] = [
  { version: 0, assignment: { 'topic-A': [0, 2, 4, 6], 'topic-B': [1] } },
  { version: 0, assignment: {} },
  { version: 1, assignment: { b: [3], a: [], '10': [1], '2': [0, 5] }, userData: Buffer.from([1, 2, 3]) },
  { version: 0, assignment: { t: [2147483647, 0] }, userData: null },
];

describe('AssignerProtocol is KafkaJS byte for byte', () => {
  for (const input of metadataCases) {
    it(`MemberMetadata ${JSON.stringify(input.topics).slice(0, 40)} v${input.version}: same bytes, same decoded object`, () => {
      const ours = AssignerProtocol.MemberMetadata.encode(input);
      const theirs: Buffer = KafkaJSProtocol.MemberMetadata.encode(input as never);
      assert.deepEqual(ours, theirs);
      assert.deepEqual(AssignerProtocol.MemberMetadata.decode(theirs), KafkaJSProtocol.MemberMetadata.decode(theirs));
    });
  }

  for (const input of assignmentCases) {
    it(`MemberAssignment ${JSON.stringify(input.assignment)} v${input.version}: same bytes, same decoded object`, () => {
      const ours = AssignerProtocol.MemberAssignment.encode(input);
      const theirs: Buffer = KafkaJSProtocol.MemberAssignment.encode(input as never);
      assert.deepEqual(ours, theirs);
      assert.deepStrictEqual(AssignerProtocol.MemberAssignment.decode(theirs), KafkaJSProtocol.MemberAssignment.decode(theirs));
    });
  }

  it('MemberAssignment.decode of an empty assignment (a member the leader left out) is null, as in KafkaJS', () => {
    assert.equal(AssignerProtocol.MemberAssignment.decode(Buffer.alloc(0)), null);
    assert.equal(KafkaJSProtocol.MemberAssignment.decode(Buffer.alloc(0)), null);
  });

  it('a truncated MemberMetadata is a ProtocolDecodeError, not a silently short value', () => {
    const bytes = AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['orders'] });
    assert.throws(() => AssignerProtocol.MemberMetadata.decode(bytes.subarray(0, 9)), ProtocolDecodeError);
  });
});

describe('ConsumerProtocolSubscription', () => {
  const full = {
    topics: ['t1', 't2'],
    userData: Buffer.from('ud'),
    ownedPartitions: [
      { topic: 't1', partition: 0 },
      { topic: 't2', partition: 3 },
      { topic: 't1', partition: 2 },
    ],
    generationId: 7,
    rackId: 'rack-a',
  };

  it('v1 has this exact layout: version, topics, userData, owned partitions by topic', () => {
    const bytes = encodeSubscription({ topics: ['t'], userData: null, ownedPartitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }] }, 1);
    const expected = Buffer.from([
      0, 1, // version
      0, 0, 0, 1, 0, 1, 0x74, // topics ["t"]
      0xff, 0xff, 0xff, 0xff, // userData null
      0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, // owned [t [0, 2]]
    ]);
    assert.deepEqual(bytes, expected);
  });

  for (const version of [0, 1, 2, 3]) {
    it(`v${version} round-trips the fields it carries and defaults the others`, () => {
      const decoded = decodeSubscription(encodeSubscription(full, version));
      assert.equal(decoded.version, version);
      assert.deepEqual(decoded.topics, full.topics);
      assert.deepEqual(decoded.userData, full.userData);
      assert.deepEqual(
        decoded.ownedPartitions,
        version >= 1 ? [{ topic: 't1', partition: 0 }, { topic: 't1', partition: 2 }, { topic: 't2', partition: 3 }] : [],
      );
      assert.equal(decoded.generationId, version >= 2 ? 7 : -1);
      assert.equal(decoded.rackId, version >= 3 ? 'rack-a' : null);
    });
  }

  it('KafkaJS metadata is a v0 subscription: same bytes both ways', () => {
    const kafkajsBytes: Buffer = KafkaJSProtocol.MemberMetadata.encode({ version: 0, topics: ['a', 'b'], userData: Buffer.from('x') });
    assert.deepEqual(encodeSubscription({ topics: ['a', 'b'], userData: Buffer.from('x') }, 0), kafkajsBytes);
    const decoded = decodeSubscription(kafkajsBytes);
    assert.deepEqual([decoded.version, decoded.topics, decoded.userData], [0, ['a', 'b'], Buffer.from('x')]);
  });

  it('a v9 subscription (newer than we know) is read as v3, its extra fields ignored (Java forward compatibility)', () => {
    const v3 = encodeSubscription(full, 3);
    const v9 = Buffer.concat([Buffer.from([0, 9]), v3.subarray(2), Buffer.from([0, 0, 0, 42, 0xde, 0xad, 0xbe, 0xef])]);
    const decoded = decodeSubscription(v9);
    assert.equal(decoded.version, 9);
    assert.deepEqual(decoded.topics, full.topics);
    assert.equal(decoded.generationId, 7);
    assert.equal(decoded.rackId, 'rack-a');
    assert.equal(decoded.ownedPartitions.length, 3);
  });

  it('bad bytes are a ProtocolDecodeError naming the struct and what is wrong', () => {
    const good = encodeSubscription(full, 3);
    const cases: [string, Buffer, RegExp][] = [
      ['empty', Buffer.alloc(0), /ConsumerProtocolSubscription.*cannot hold the int16 version/],
      ['one byte', Buffer.from([0]), /cannot hold the int16 version/],
      ['negative version', Buffer.from([0xff, 0xfe, 0, 0, 0, 0]), /version -2 is not a version/],
      ['truncated in the owned partitions', good.subarray(0, 25), /ConsumerProtocolSubscription v3/],
      ['cut before the rack', good.subarray(0, good.length - 3), /ConsumerProtocolSubscription v3/],
      ['absurd topic count', Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff]), /array length 2147483647/],
      ['topic string longer than the buffer', Buffer.from([0, 0, 0, 0, 0, 1, 0, 50, 0x61]), /ConsumerProtocolSubscription v0/],
    ];
    for (const [name, bytes, message] of cases) {
      assert.throws(() => decodeSubscription(bytes), (e: unknown) => e instanceof ProtocolDecodeError && message.test(e.message), name);
    }
  });
});

describe('ConsumerProtocolAssignment', () => {
  it('round-trips and groups partitions by topic', () => {
    const bytes = encodeAssignment({ assignedPartitions: [{ topic: 'a', partition: 1 }, { topic: 'b', partition: 0 }, { topic: 'a', partition: 4 }], userData: Buffer.from('u') });
    const decoded = decodeAssignment(bytes);
    assert.equal(decoded.version, 3);
    assert.deepEqual(decoded.assignedPartitions, [{ topic: 'a', partition: 1 }, { topic: 'a', partition: 4 }, { topic: 'b', partition: 0 }]);
    assert.deepEqual(decoded.userData, Buffer.from('u'));
  });

  it('reads what KafkaJS members assign, and KafkaJS reads ours', () => {
    const kafkajsBytes: Buffer = KafkaJSProtocol.MemberAssignment.encode({ version: 0, assignment: { t: [0, 2], u: [1] } } as never);
    assert.deepEqual(decodeAssignment(kafkajsBytes).assignedPartitions, [{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }, { topic: 'u', partition: 1 }]);
    const ours = encodeAssignment({ assignedPartitions: [{ topic: 't', partition: 5 }] });
    assert.deepEqual(KafkaJSProtocol.MemberAssignment.decode(ours), { version: 3, assignment: { t: [5] }, userData: null });
  });

  it('empty bytes (a member the leader left out) are an empty assignment; a newer version reads as v3', () => {
    assert.deepEqual(decodeAssignment(Buffer.alloc(0)).assignedPartitions, []);
    const v7 = Buffer.concat([Buffer.from([0, 7]), encodeAssignment({ assignedPartitions: [{ topic: 't', partition: 0 }] }).subarray(2), Buffer.from([1, 2])]);
    assert.deepEqual(decodeAssignment(v7).assignedPartitions, [{ topic: 't', partition: 0 }]);
  });

  it('a truncated assignment is a ProtocolDecodeError', () => {
    const bytes = encodeAssignment({ assignedPartitions: [{ topic: 'topic', partition: 0 }] });
    assert.throws(() => decodeAssignment(bytes.subarray(0, bytes.length - 6)), /cannot decode ConsumerProtocolAssignment v3/);
  });
});

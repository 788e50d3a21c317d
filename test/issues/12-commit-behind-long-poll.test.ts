/**
 * Regression (issue 12, found by the consumer benchmark and the manual-sync
 * commit example): a commit waited behind the Fetch long poll. The group
 * coordinator's connection was the broker's one connection, and a broker
 * answers a connection's requests one at a time, in order (Kafka mutes the
 * channel), so with nothing to fetch every other `commitOffsets` took the whole
 * `maxWaitTimeInMs` (5 s by default): auto-commit ran at ~4,000 records/s.
 *
 * As Java's clients do, the coordinator gets a connection of its own. The check
 * is an ordering, not a time: with a long poll parked on the broker, the commit
 * resolves before that Fetch is answered.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConsumerEvents } from '../../src/consumer/consumer-events.js';
import { useConsumerFixture } from '../consumer/consumer-fixture.js';
import { eventually } from '../support/eventually.js';

describe('a commit while a Fetch long poll is parked', () => {
  const f = useConsumerFixture('commit-long-poll');

  it('resolves before the parked Fetch is answered: the coordinator has its own connection', async () => {
    const topic = await f.newTopic(1);
    const groupId = f.newGroup();
    await f.produce(topic, 3);
    // The broker caps a long poll at 30 s; a Fetch with nothing new waits that long.
    const consumer = f.consumer({ groupId, maxWaitTimeInMs: 30_000 });
    let fetchesAnswered = 0;
    let fetchesStarted = 0;
    consumer.on(ConsumerEvents.FETCH_START, () => void fetchesStarted++);
    consumer.on(ConsumerEvents.FETCH, () => void fetchesAnswered++);
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    await consumer.run({ autoCommit: false, eachMessage: async () => void seen++ });
    await eventually('3 records', () => (seen >= 3 ? true : undefined));
    // The next Fetch finds nothing and parks.
    await eventually('a Fetch parked after the records', () => (fetchesStarted > fetchesAnswered ? true : undefined));
    const answeredBefore = fetchesAnswered;
    for (let i = 0; i < 3; i++) {
      await consumer.commitOffsets([{ topic, partition: 0, offset: String(i + 1) }]);
      assert.equal(fetchesAnswered, answeredBefore, `commit ${i + 1} resolved while the Fetch was still parked`);
    }
    assert.equal(f.committed(groupId, topic, 1).get(0), 3);
  });
});

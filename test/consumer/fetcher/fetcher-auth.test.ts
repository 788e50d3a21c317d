/**
 * Authorization failures reach the application through next(): a topic the
 * consumer may describe but not read (Fetch answers TOPIC_AUTHORIZATION_FAILED),
 * and one it may not even describe (Metadata does). Against our broker with
 * SASL/PLAIN users and ACLs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AclOperation, AclResourceType } from '../../../src/broker/acl/acl-binding.js';
import { type RunningBroker } from '../../../src/broker/server.js';
import { KafkaJSAuthorizationError } from '../../../src/errors/protocol-errors.js';
import { allowLiteral, grant, startAclScenario, USERS } from '../../broker/acl/acl-scenario.js';
import { within } from '../../support/within.js';
import { createHarness, type FetcherHarness } from './fetcher-fixture.js';

describe('Fetcher: authorization failures', () => {
  let running: RunningBroker | undefined;
  const harnesses: FetcherHarness[] = [];
  before(async () => {
    running = await startAclScenario();
    await running.broker.topics.create('alice-private', 1, new Map());
    await running.broker.topics.create('alice-visible', 1, new Map());
    await grant(running, [allowLiteral(AclResourceType.TOPIC, 'alice-visible', 'bob', AclOperation.DESCRIBE)]);
  });
  after(async () => {
    for (const h of harnesses) await h.close();
    await running?.close();
  });

  const asBob = async (topic: string): Promise<FetcherHarness> => {
    const h = await createHarness(running!.bootstrap, topic, { partitions: [0], positions: [0], clientConfig: { sasl: { mechanism: 'plain', username: 'bob', password: USERS.bob }, allowPlainTextSasl: true } });
    harnesses.push(h);
    return h;
  };

  for (const [topic, how] of [
    ['alice-visible', 'Fetch refuses it'],
    ['alice-private', 'Metadata refuses it'],
  ] as const) {
    it(`raises TOPIC_AUTHORIZATION_FAILED through next() when ${how}, once, and fetches nothing more for the partition`, async () => {
      const h = await asBob(topic);
      await assert.rejects(
        within('next() to raise', h.fetcher.next(AbortSignal.timeout(15_000)), 20_000),
        (e: unknown) => e instanceof KafkaJSAuthorizationError && e.type === 'TOPIC_AUTHORIZATION_FAILED' && e.message.includes(topic) && !e.retriable,
      );
      assert.deepEqual(await h.fetcher.next(AbortSignal.timeout(500)), [], 'raised once, not in a loop');
    });
  }
});

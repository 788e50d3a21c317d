/**
 * KafkaJS as the peer on a SASL_PLAINTEXT listener, for each mechanism it
 * speaks: the right password connects (ApiVersions, SaslHandshake v1,
 * SaslAuthenticate v1, then Metadata and DescribeCluster as alice), a wrong
 * password or an unknown user fails with KafkaJS's SASL authentication error
 * carrying the broker's message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kafka, type SASLOptions, logLevel } from 'kafkajs';
import { type RunningBroker, startBroker } from '../../../src/broker/server.js';

const MECHANISMS = [
  ['plain', /SASL PLAIN authentication failed: Authentication failed: Invalid username or password/],
  ['scram-sha-256', /SASL SCRAM SHA256 authentication failed.*invalid credentials with SASL mechanism SCRAM-SHA-256/],
  ['scram-sha-512', /SASL SCRAM SHA512 authentication failed.*invalid credentials with SASL mechanism SCRAM-SHA-512/],
] as const;

describe('SASL with KafkaJS', () => {
  let running: RunningBroker;

  before(async () => {
    running = await startBroker({
      inMemory: true,
      logLevel: 'nothing',
      properties: {
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.users': 'alice:alice-secret',
        // Kafka's JAAS form; a username with "," travels as "=2C" in SCRAM (RFC 5802 section 5.1).
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_bo,b="b0b=,pass";',
      },
    });
  });

  after(() => running.close());

  const admin = (sasl: SASLOptions) =>
    new Kafka({ clientId: 'sasl-kafkajs', brokers: [running.bootstrap], sasl, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 15_000 }).admin();

  for (const [mechanism, failure] of MECHANISMS) {
    describe(mechanism, () => {
      it('connects with the right password and describes the cluster', async () => {
        const a = admin({ mechanism, username: 'alice', password: 'alice-secret' });
        try {
          await a.connect();
          const cluster = await a.describeCluster();
          assert.equal(cluster.clusterId, running.config.clusterId);
          assert.deepEqual(
            cluster.brokers.map((b) => `${b.host}:${b.port}`),
            [running.bootstrap],
          );
        } finally {
          await a.disconnect();
        }
      });

      it('connects as a user from a JAAS line whose name has "," and password has "=" and ","', async () => {
        const a = admin({ mechanism, username: 'bo,b', password: 'b0b=,pass' });
        try {
          await a.connect();
          await a.listTopics();
        } finally {
          await a.disconnect();
        }
      });

      for (const [what, username, password] of [
        ['a wrong password', 'alice', 'not-alice-secret'],
        ['an unknown user', 'mallory', 'alice-secret'],
      ] as const) {
        it(`fails with KafkaJSSASLAuthenticationError for ${what}`, async () => {
          const a = admin({ mechanism, username, password });
          try {
            await assert.rejects(a.connect(), (e: Error) => {
              assert.equal(e.name, 'KafkaJSSASLAuthenticationError', e.message);
              assert.match(e.message, failure);
              return true;
            });
          } finally {
            await a.disconnect();
          }
        });
      }
    });
  }
});

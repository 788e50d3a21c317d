/**
 * SASL on a connection, against a SASL_PLAINTEXT listener of the embedded
 * broker: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 with the right password
 * authenticate and then serve requests; a wrong password or unknown user fails
 * with a non-retriable KafkaJSSASLAuthenticationError carrying the broker's
 * message. The SCRAM client is also checked against RFC 7677's test vector.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { KafkaJSConnectionError, KafkaJSSASLAuthenticationError } from '../../src/errors/errors.js';
import { type RequestVersions } from '../../src/network/api-versions.js';
import { Connection } from '../../src/network/connection.js';
import { type SaslOptions } from '../../src/network/sasl/mechanism.js';
import { escapeSaslName, scramMechanism } from '../../src/network/sasl/scram.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/generated/index.js';

/** Metadata's whole codec range, as literal numbers: any version proves the connection serves requests. */
const METADATA_VERSIONS: RequestVersions = Object.freeze({ min: 0, max: 12 });

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

describe('SASL', () => {
  let running: RunningBroker;
  let plainOnly: RunningBroker;
  const connections: Connection[] = [];
  const connect = (broker: RunningBroker, sasl: SaslOptions | undefined): Connection => {
    const i = broker.bootstrap.lastIndexOf(':');
    const c = new Connection({ host: broker.bootstrap.slice(0, i), port: Number(broker.bootstrap.slice(i + 1)), sasl, requestTimeout: 5000 });
    connections.push(c);
    return c;
  };

  before(async () => {
    running = await startBroker({
      inMemory: true,
      logLevel: 'nothing',
      // A username with "," and "=" exercises SCRAM's name escaping (RFC 5802 section 5.1).
      properties: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.users': 'alice:secret,b=o=b:pa=ss' },
    });
    plainOnly = await startBroker({
      inMemory: true,
      logLevel: 'nothing',
      properties: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.users': 'alice:secret', 'sasl.enabled.mechanisms': 'PLAIN' },
    });
  });
  after(async () => {
    await Promise.all(connections.map((c) => c.disconnect()));
    await running.close();
    await plainOnly.close();
  });

  for (const mechanism of MECHANISMS) {
    describe(mechanism, () => {
      it('authenticates with the right password, then serves requests', async () => {
        const c = connect(running, { mechanism, username: 'alice', password: 'secret' });
        await c.connect();
        assert.equal(c.state, 'ready');
        const metadata = await c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS });
        assert.equal(metadata.brokers[0]!.port, running.port);
      });

      it('authenticates a user whose name needs escaping', async () => {
        const c = connect(running, { mechanism, username: 'b=o=b', password: 'pa=ss' });
        await c.connect();
        assert.equal(c.state, 'ready');
      });

      it('fails with a non-retriable KafkaJSSASLAuthenticationError on a wrong password', async () => {
        const c = connect(running, { mechanism, username: 'alice', password: 'wrong' });
        const error = await c.connect().then(
          () => assert.fail('expected authentication to fail'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof KafkaJSSASLAuthenticationError, String(error));
        assert.equal(error.retriable, false);
        assert.match(error.message, new RegExp(`SASL ${mechanism.toUpperCase()} authentication failed: SASL_AUTHENTICATION_FAILED`));
        assert.equal(c.state, 'broken');
        // The same request through send() fails the same way: it reconnects and is refused again.
        await assert.rejects(c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS }), KafkaJSSASLAuthenticationError);
      });

      it('fails the same way for an unknown user', async () => {
        const c = connect(running, { mechanism, username: 'mallory', password: 'secret' });
        await assert.rejects(c.connect(), KafkaJSSASLAuthenticationError);
      });
    });
  }

  it('names the mechanisms the broker offers when it does not offer ours', async () => {
    const c = connect(plainOnly, { mechanism: 'scram-sha-256', username: 'alice', password: 'secret' });
    await assert.rejects(c.connect(), (e: unknown) => e instanceof KafkaJSSASLAuthenticationError && /SCRAM-SHA-256 mechanism is not supported by the broker \(it offers: PLAIN\)/.test(e.message));
  });

  it('is refused by a SASL listener when no credentials are configured', async () => {
    const c = connect(running, undefined);
    await c.connect(); // ApiVersions is served before authentication
    await assert.rejects(c.send(MetadataRequest, MetadataResponse, { topics: [] }, { versions: METADATA_VERSIONS }), KafkaJSConnectionError);
  });

  describe('SCRAM client', () => {
    it("produces RFC 7677's SCRAM-SHA-256 exchange and verifies the server's signature", async () => {
      const scram = scramMechanism('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
      assert.equal((await scram.start()).toString(), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
      const final = await scram.next(Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'));
      assert.equal(final!.toString(), 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
      assert.equal(await scram.next(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')), null);
    });

    it('refuses a server signature that does not match, a foreign nonce and too few iterations', async () => {
      const forged = scramMechanism('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
      await forged.start();
      await forged.next(Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'));
      await assert.rejects(forged.next(Buffer.from('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')), /server signature does not match/);

      const foreign = scramMechanism('SCRAM-SHA-512', 'user', 'pencil', 'abc');
      await foreign.start();
      await assert.rejects(foreign.next(Buffer.from('r=xyz123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')), /nonce does not extend/);

      const cheap = scramMechanism('SCRAM-SHA-512', 'user', 'pencil', 'abc');
      await cheap.start();
      await assert.rejects(cheap.next(Buffer.from('r=abc123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1')), /1 iterations, fewer than the minimum 4096/);
    });

    it('escapes "=" and "," in user names', () => {
      assert.equal(escapeSaslName('a=b,c'), 'a=3Db=2Cc');
    });
  });
});

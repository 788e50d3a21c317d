/**
 * Regression (issue 11, item 10's follow-up): `listener.name.<listener>.max.connections`,
 * Kafka's per-listener connection limit, was ignored: only `max.connections`
 * (all listeners) and the per-address limits were enforced. A listener limited
 * to 2 now closes a third connection, logged, while another listener of the same
 * broker, not limited, takes more.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { parseBrokerConfig } from '../../src/broker/config.js';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/generated/index.js';
import { WireClient, recordingLogger } from '../support/wire-client.js';

const apiVersions = async (client: WireClient): Promise<number> =>
  (await client.request(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 'broker-20', clientSoftwareVersion: '1' })).errorCode;

describe('listener.name.<listener>.max.connections', () => {
  const running: RunningBroker[] = [];
  const clients: WireClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const b of running.splice(0)) await b.close();
  });

  const connect = async (port: number): Promise<WireClient> => {
    const c = await WireClient.connect(port);
    clients.push(c);
    return c;
  };

  it('is read per listener, by its lower-case name', () => {
    const config = parseBrokerConfig(
      new Map([
        ['listeners', 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0'],
        ['listener.name.plaintext.max.connections', '2'],
      ]),
    );
    assert.deepEqual(config.connectionLimits.maxConnectionsPerListener, new Map([['PLAINTEXT', 2]]));
    assert.deepEqual(config.unknownKeys, []);
  });

  it('refuses a third connection on a listener limited to 2, logged, while another listener takes more', async () => {
    const { logger, lines } = recordingLogger();
    const broker = await startBroker({
      inMemory: true,
      logger,
      properties: {
        listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.users': 'alice:secret',
        'listener.name.plaintext.max.connections': 2,
      },
    });
    running.push(broker);
    const port = (name: string): number => broker.listeners.find((l) => l.name === name)!.port;

    const admitted = [await connect(port('PLAINTEXT')), await connect(port('PLAINTEXT'))];
    for (const c of admitted) assert.equal(await apiVersions(c), ErrorCode.NONE);
    const third = await connect(port('PLAINTEXT'));
    assert.equal(await third.closesWithin(20_000), true, 'the third PLAINTEXT connection was closed');
    assert.ok(
      lines.some((l) => l.startsWith('WARN refused a connection') && l.includes('listener.name.plaintext.max.connections')),
      lines.join('\n'),
    );

    // ApiVersions is served before SASL authentication: enough to see the connection served.
    const other = [await connect(port('SASL_PLAINTEXT')), await connect(port('SASL_PLAINTEXT')), await connect(port('SASL_PLAINTEXT'))];
    for (const c of other) assert.equal(await apiVersions(c), ErrorCode.NONE, 'the SASL_PLAINTEXT listener is not limited');
    for (const c of admitted) assert.equal(await apiVersions(c), ErrorCode.NONE, 'the admitted PLAINTEXT connections are still served');
  });
});

/**
 * The fault-injecting proxy the network and producer tests stand on: faults
 * aimed at one API and bounded by a count touch nothing else, and a delay
 * never reorders a connection's responses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/broker/server.js';
import { KafkaJSRequestTimeoutError } from '../../src/errors/errors.js';
import { Connection } from '../../src/network/connection.js';
import { ApiKey, DescribeClusterRequest, DescribeClusterResponse, MetadataRequest, MetadataResponse } from '../../src/protocol/generated/index.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';

describe('fault proxy', () => {
  let running: RunningBroker;
  let proxy: FaultProxy;
  let connection: Connection;
  before(async () => {
    running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing' });
    proxy = await startFaultProxy(running.bootstrap);
    connection = new Connection({ host: proxy.host, port: proxy.port, requestTimeout: 300 });
    await connection.connect();
  });
  after(async () => {
    await connection.disconnect();
    await proxy.close();
    await running.close();
  });

  it('swallows only the given number of responses of the given API', async () => {
    proxy.swallowResponses({ apiKey: ApiKey.Metadata, count: 1 });
    const swallowed = connection.send(MetadataRequest, MetadataResponse, { topics: [] });
    const other = await connection.send(DescribeClusterRequest, DescribeClusterResponse, {});
    assert.equal(other.errorCode, 0, 'another API passes');
    await assert.rejects(swallowed, KafkaJSRequestTimeoutError);
    assert.equal((await connection.send(MetadataRequest, MetadataResponse, { topics: [] })).brokers.length, 1, 'the count is spent');
    assert.equal(proxy.stats.responsesSwallowed, 1);
    proxy.reset();
  });

  it('delays one API without reordering what follows it', async () => {
    proxy.delayResponses(100, { apiKey: ApiKey.Metadata });
    const order: string[] = [];
    const started = Date.now();
    await Promise.all([
      connection.send(MetadataRequest, MetadataResponse, { topics: [] }).then(() => order.push('metadata')),
      connection.send(DescribeClusterRequest, DescribeClusterResponse, {}).then(() => order.push('describe')),
    ]);
    assert.deepEqual(order, ['metadata', 'describe']);
    assert.ok(Date.now() - started >= 90);
    proxy.reset();
  });
});

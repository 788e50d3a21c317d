/**
 * `tskafka demo` (`npm start`), small: it produces the orders into a fresh topic,
 * reads them back with a consumer group of 3, and reports what the group consumed
 * and committed. Run twice against one broker, neither run sees the other's orders.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startBroker } from '../../src/broker/server.js';
import { demoCommand } from '../../src/cli/demo.js';

describe('tskafka demo', () => {
  it('reads the orders back with a group of 3, twice against one broker, with no false duplicates', async () => {
    const running = await startBroker({ inMemory: true, port: 0, logLevel: 'nothing', properties: { 'num.partitions': 6, 'group.initial.rebalance.delay.ms': 0 } });
    try {
      const topics: string[] = [];
      for (let run = 0; run < 2; run++) {
        const lines: string[] = [];
        const code = await demoCommand(['--brokers', running.bootstrap, '--count', '3000'], (line) => lines.push(line));
        const output = lines.join('\n');
        assert.equal(code, 0, output);
        const members = /group of 3 consumers \(partitions per member: (\d+), (\d+), (\d+)\) consumed 3,000 records/.exec(output);
        assert.ok(members, output);
        assert.equal(Number(members[1]) + Number(members[2]) + Number(members[3]), 6, 'every partition assigned to one member');
        assert.match(output, /committed offsets: 3,000 of 3,000 records/);
        assert.match(output, /^lost 0, duplicated 0$/m);
        topics.push(/^topic (\S+)$/m.exec(output)?.[1] ?? '');
      }
      assert.notEqual(topics[0], topics[1], 'a fresh topic per run');
    } finally {
      await running.close();
    }
  });
});

/**
 * Peers for test/admin/peer-effects.test.ts that nobody here wrote: kcat
 * logging in over SASL/SCRAM, KafkaJS producing as a SCRAM user with its own
 * log lines captured (its "Client side throttling" line is how KafkaJS says a
 * quota held it back), and librdkafka through confluent-kafka-python. Every
 * child process runs asynchronously: the broker lives in this process.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka as KafkaJS, type LogEntry, logLevel as kafkaJsLogLevel } from 'kafkajs';
import { type RunningBroker } from '../../src/broker/server.js';
import { type KcatRun, runKcat } from '../support/kcat.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/** A SASL/SCRAM login: the user, its password and the mechanism to log in with. */
export interface ScramLogin {
  readonly user: string;
  readonly password: string;
  readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
}

/** kcat's `-X` options for `login`. */
function kcatSasl(login: ScramLogin): string[] {
  return ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', `sasl.mechanisms=${login.mechanism}`, '-X', `sasl.username=${login.user}`, '-X', `sasl.password=${login.password}`];
}

/** `kcat -L -J` as `login` (of `topic` when named); a refused login waits out the short metadata timeout. */
export function kcatMetadata(broker: RunningBroker, login: ScramLogin, topic?: string): Promise<KcatRun> {
  return runKcat(['-b', broker.bootstrap, ...kcatSasl(login), '-m', '3', '-L', '-J', ...(topic ? ['-t', topic] : [])], { timeoutMs: 30_000 });
}

/** `kcat -C -e` of partition 0 of `topic` from the beginning as `login`: one line per record value. */
export function kcatConsume(broker: RunningBroker, login: ScramLogin, topic: string): Promise<KcatRun> {
  return runKcat(['-b', broker.bootstrap, ...kcatSasl(login), '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-f', '%s\n'], { timeoutMs: 30_000 });
}

/** Whether kcat logged in as `login` (and got metadata). */
export async function kcatLogsIn(broker: RunningBroker, login: ScramLogin): Promise<boolean> {
  return (await kcatMetadata(broker, login)).code === 0;
}

/** A KafkaJS client logged in as `login`, and the throttles its connections reported (KafkaJS's own debug line). */
export function kafkajsAs(broker: RunningBroker, login: ScramLogin, clientId: string): { kafkajs: KafkaJS; throttles: number[] } {
  const throttles: number[] = [];
  const logCreator = () => (entry: LogEntry) => {
    const found = /Client side throttling in effect for (\d+)ms/.exec(entry.log.message);
    if (found) throttles.push(Number(found[1]));
  };
  const { user: username, password } = login;
  const kafkajs = new KafkaJS({
    clientId,
    brokers: [broker.bootstrap],
    logLevel: kafkaJsLogLevel.DEBUG,
    logCreator,
    retry: { retries: 2 },
    sasl: login.mechanism === 'SCRAM-SHA-256' ? { mechanism: 'scram-sha-256', username, password } : { mechanism: 'scram-sha-512', username, password },
  });
  return { kafkajs, throttles };
}

/** What librdkafka's consumer finds in partition 0 of a topic: the watermarks at each isolation level, and the offset for a timestamp. */
export interface LibrdkafkaOffsets {
  readonly readCommitted: [number, number];
  readonly readUncommitted: [number, number];
  readonly forTimestamp: number;
}

/**
 * Partition 0's offsets as librdkafka's consumer reads them (ListOffsets at its
 * `isolation.level`, and `offsets_for_times`), or undefined without confluent-kafka.
 */
export async function librdkafkaOffsets(bootstrap: string, topic: string, timestamp: number): Promise<LibrdkafkaOffsets | undefined> {
  const script = `
import json, sys
from confluent_kafka import Consumer, TopicPartition
def consumer(level):
    return Consumer({'bootstrap.servers': sys.argv[1], 'group.id': 'peer-offsets', 'isolation.level': level})
tp = TopicPartition(sys.argv[2], 0)
found = {}
for key, level in [('readCommitted', 'read_committed'), ('readUncommitted', 'read_uncommitted')]:
    c = consumer(level)
    found[key] = list(c.get_watermark_offsets(tp, timeout=20))
    if key == 'readCommitted':
        found['forTimestamp'] = c.offsets_for_times([TopicPartition(sys.argv[2], 0, int(sys.argv[3]))], timeout=20)[0].offset
    c.close()
print(json.dumps(found))
`;
  const answer = await run(PYTHON, ['-c', script, bootstrap, topic, String(timestamp)], { timeout: 60_000 }).catch((e: unknown) => {
    if (/No module named/.test(String((e as { stderr?: string }).stderr))) return undefined;
    throw e;
  });
  return answer ? (JSON.parse(answer.stdout.trim().split('\n').pop()!) as LibrdkafkaOffsets) : undefined;
}

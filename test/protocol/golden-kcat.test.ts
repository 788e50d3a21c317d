/**
 * Golden bytes from kcat (librdkafka, the C client most non-Java clients wrap):
 * kcat runs as a child process against the capture broker; every request it
 * sends must decode with our codecs and re-encode to the very same bytes, and
 * its Produce payloads, in every codec, must decode with our record batch
 * decoder to exactly the lines fed to it.
 *
 * What kcat 1.7.1 / librdkafka 2.0.2 (Debian bookworm) sends against a broker
 * advertising Kafka 3.7's ranges: ApiVersions v3 (flexible, request header v2
 * with tagged fields), Metadata v4, Produce v7. One connection for the
 * bootstrap address and one for broker 0, each opening with ApiVersions. The
 * versions are reported as test diagnostics, not pinned: CI may install a
 * newer kcat.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { ApiKey, type ProduceRequest, apis } from '../../src/protocol/generated/index.js';
import { parseCompressionCodec } from '../../src/protocol/records/compression.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import {
  ADVERTISED_API_VERSIONS,
  type CaptureBroker,
  type CaptureBrokerOptions,
  type CapturedFrame,
  decodeRequest,
  reencodeMismatch,
  startCaptureBroker,
} from '../support/capture-broker.js';

const kcat = (spawnSync('which', ['kcat'], { encoding: 'utf8' }).stdout ?? '').trim();
const skip = kcat === '' ? 'kcat is not installed (`which kcat` found nothing): install it with `apt-get install kcat`' : false;
const kcatVersion = kcat === '' ? '' : (/librdkafka [0-9.]+/.exec(spawnSync(kcat, ['-V'], { encoding: 'utf8' }).stdout)?.[0] ?? 'librdkafka ?');

const topic = 'golden-kcat';

/** librdkafka settings that make a hang fail rather than wait forever: a message not delivered in 30 s fails (long, for a loaded machine). */
const quick = ['-X', 'message.timeout.ms=30000', '-X', 'socket.timeout.ms=30000'];

interface KcatRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run kcat with `args`, `stdin` as its input; killed after `timeoutMs`. */
function runKcat(args: readonly string[], stdin = '', timeoutMs = 60_000): Promise<KcatRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(kcat, args, { timeout: timeoutMs, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Runs kcat against a fresh capture broker, closed afterwards whatever happens. */
async function withBroker(options: CaptureBrokerOptions, args: (broker: CaptureBroker) => string[], stdin = ''): Promise<{ broker: CaptureBroker; run: KcatRun }> {
  const broker = await startCaptureBroker(options);
  try {
    const run = await runKcat(['-b', broker.bootstrap, ...args(broker)], stdin);
    assert.equal(run.code, 0, `kcat exited with ${run.code}: ${run.stderr}`);
    return { broker, run };
  } finally {
    await broker.close();
  }
}

function assertEveryFrameReencodes(frames: readonly CapturedFrame[]): void {
  assert.ok(frames.length > 0, 'kcat sent nothing');
  for (const f of frames) {
    const mismatch = reencodeMismatch(f.bytes);
    assert.equal(mismatch, null, `connection ${f.connection}, correlation id ${f.header.correlationId}: ${mismatch}`);
  }
}

/** "Metadata v4, Produce v7, ..." for the test log. */
function versionsSeen(frames: readonly CapturedFrame[]): string {
  const seen = new Set(frames.map((f) => `${apis.get(f.header.apiKey)!.name} v${f.header.apiVersion}`));
  return [...seen].join(', ');
}

/** Every request's version lies within what the broker advertised. */
function assertNegotiated(frames: readonly CapturedFrame[]): void {
  for (const f of frames) {
    const range = ADVERTISED_API_VERSIONS.find((a) => a.apiKey === f.header.apiKey);
    assert.ok(range, `kcat sent ${f.header.apiKey}, which the broker does not advertise`);
    assert.ok(f.header.apiVersion >= range.minVersion && f.header.apiVersion <= range.maxVersion, `version ${f.header.apiVersion} of API ${f.header.apiKey}`);
  }
}

describe(`golden bytes: kcat (${kcatVersion || 'not installed'})`, { skip }, () => {
  it('-L: the metadata listing shows our Metadata answer, and every request re-encodes to the captured bytes', async (t) => {
    const { broker, run } = await withBroker({ partitions: 3, topics: [topic] }, () => ['-L', '-m', '20', ...quick]);
    t.diagnostic(`kcat -L sent: ${versionsSeen(broker.frames)}`);
    assert.deepEqual(broker.errors, []);
    assert.match(run.stdout, new RegExp(`broker 0 at ${broker.host}:${broker.port} \\(controller\\)`));
    assert.match(run.stdout, new RegExp(`topic "${topic}" with 3 partitions:`));
    for (let p = 0; p < 3; p++) assert.match(run.stdout, new RegExp(`partition ${p}, leader 0, replicas: 0, isrs: 0`));

    const apiVersions = broker.frames.filter((f) => f.header.apiKey === ApiKey.ApiVersions);
    assert.ok(apiVersions.length > 0);
    for (const f of apiVersions) {
      assert.ok(f.header.apiVersion >= 3, 'librdkafka >= 1.4 asks for ApiVersions v3+ (KIP-511)');
      assert.deepEqual(decodeRequest(f.bytes).body, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: kcatVersion.split(' ')[1] });
    }
    assert.ok(broker.frames.some((f) => f.header.apiKey === ApiKey.Metadata));
    assertNegotiated(broker.frames);
    assertEveryFrameReencodes(broker.frames);
  });

  // librdkafka sends a batch uncompressed when compressing would not make it
  // smaller, and then the codec would go untested: so the values are
  // compressible and every line goes to one partition (with more, a partition
  // could get only the short tombstone), batched together by a longer linger.
  const lorem = ' lorem ipsum dolor sit amet consectetur adipiscing elit'.repeat(6);
  // -K: splits each line at the first ':'; -Z makes an empty key or value null,
  // and a line without ':' has a null key. Empty lines are skipped by kcat.
  const lines = [
    `key-1:value-1${lorem}`,
    `key-2:value-2 with a:colon${lorem}`,
    `ключ:värde 🙂${lorem}`,
    'tombstone:',
    `no delimiter, so no key${lorem}`,
    `:empty key${lorem}`,
    `key-7:value-7${lorem}`,
  ];
  const expectedRecords = lines.map((line) => {
    const at = line.indexOf(':');
    const key = at < 0 ? '' : line.slice(0, at);
    const value = at < 0 ? line : line.slice(at + 1);
    return { key: key === '' ? null : key, value: value === '' ? null : value };
  });
  // -H name=value, once per header, in order; kcat stores a name without '='
  // as a null value and repeats names as given.
  const headerArgs = ['-H', 'trace-id=4bf92f3577b34da6', '-H', 'empty=', '-H', 'flag', '-H', 'dup=1', '-H', 'dup=2', '-H', 'eq=a=b', '-H', 'ü=ö'];
  const expectedHeaders = [
    { key: 'trace-id', value: '4bf92f3577b34da6' },
    { key: 'empty', value: '' },
    { key: 'flag', value: null },
    { key: 'dup', value: '1' },
    { key: 'dup', value: '2' },
    { key: 'eq', value: 'a=b' },
    { key: 'ü', value: 'ö' },
  ];

  for (const codecName of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`-P -z ${codecName}: requests re-encode byte for byte; the batches carry codec ${codecName} and decode to the lines sent`, async (t) => {
      const codec = parseCompressionCodec(codecName);
      const startedAt = Date.now();
      const { broker } = await withBroker(
        { partitions: 1 },
        () => ['-P', '-t', topic, '-K:', '-Z', '-z', codecName, ...headerArgs, ...quick, '-X', 'linger.ms=100'],
        `${lines.join('\n')}\n`,
      );
      const finishedAt = Date.now();
      t.diagnostic(`kcat -P -z ${codecName} sent: ${versionsSeen(broker.frames)}`);
      assert.deepEqual(broker.errors, []);
      assertNegotiated(broker.frames);
      assertEveryFrameReencodes(broker.frames);

      const produced = broker.frames.filter((f) => f.header.apiKey === ApiKey.Produce);
      assert.ok(produced.length > 0, 'kcat sent no Produce');
      const received: Array<{ key: string | null; value: string | null }> = [];
      for (const f of produced) {
        const request = decodeRequest(f.bytes).body as ProduceRequest;
        assert.equal(request.acks, -1, 'librdkafka defaults to acks=all');
        assert.equal(request.transactionalId, null);
        for (const topicData of request.topicData) {
          assert.equal(topicData.name, topic);
          for (const p of topicData.partitionData) {
            assert.ok(p.records, `partition ${p.index} has records`);
            for (const batch of await decodeRecordBatches(p.records)) {
              assert.equal(batch.compression, codec, `codec of a batch for partition ${p.index}`);
              assert.equal(BigInt(batch.producerId), -1n, 'not idempotent: no producer id');
              batch.records.forEach((r, i) => {
                assert.equal(Number(r.offset), i, 'offsets count from 0 within the batch');
                const ts = Number(r.timestamp);
                assert.ok(ts >= startedAt - 1000 && ts <= finishedAt + 1000, `CreateTime ${ts} is the time of sending`);
                assert.deepEqual(
                  r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : h.value.toString('utf8') })),
                  expectedHeaders,
                );
                received.push({ key: r.key?.toString('utf8') ?? null, value: r.value?.toString('utf8') ?? null });
              });
            }
          }
        }
      }
      // Each line exactly once, in input order.
      assert.deepEqual(received, expectedRecords);
    });
  }

  it('a broker refusing ApiVersions v3 answers UNSUPPORTED_VERSION in a v0 body, and librdkafka falls back and goes on', async (t) => {
    // librdkafka 2.0.2 reads the error body with the compact layout of the v3 it
    // sent, so the v0 array count (int32) reads as a bad compact count: it then
    // retries with ApiVersions v0 rather than the v2 the body advertises. Either
    // way the retry must be a version the broker listed, and metadata follows.
    const advertised = ADVERTISED_API_VERSIONS.map((a) => (a.apiKey === ApiKey.ApiVersions ? { ...a, maxVersion: 2 } : a));
    const { broker, run } = await withBroker({ partitions: 1, topics: [topic], advertised }, () => ['-L', '-m', '20', ...quick]);
    t.diagnostic(`kcat -L against ApiVersions 0-2 sent: ${versionsSeen(broker.frames)}`);
    assert.deepEqual(broker.errors, []);
    assert.match(run.stdout, new RegExp(`topic "${topic}" with 1 partitions:`));
    const first = broker.frames.filter((f) => f.connection === 0);
    assert.equal(first[0]?.header.apiKey, ApiKey.ApiVersions);
    assert.equal(first[0]?.header.apiVersion, 3);
    assert.equal(first[1]?.header.apiKey, ApiKey.ApiVersions);
    assert.ok(first[1]!.header.apiVersion <= 2, `retried with v${first[1]!.header.apiVersion}`);
    assert.ok(first.slice(2).some((f) => f.header.apiKey === ApiKey.Metadata));
    assertEveryFrameReencodes(broker.frames);
  });
});

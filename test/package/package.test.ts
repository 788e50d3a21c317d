/**
 * The package as users get it: the build in dist/ loads through the package's
 * own name from ES modules and from CommonJS, and the `tskafka` command runs.
 * (`npm install` builds dist/ through `prepare`.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const node = (args: string[]): string => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 30_000 });

it('dist/ is built (npm install runs the build)', () => {
  assert.ok(existsSync(join(root, 'dist/esm/index.js')), 'dist/esm/index.js is missing: run `npm install` or `npm run build`');
  assert.ok(existsSync(join(root, 'dist/cjs/index.js')), 'dist/cjs/index.js is missing: run `npm install` or `npm run build`');
});

it("import('tskafka') works by self-reference and encodes a request", () => {
  const out = node(['--input-type=module', '-e', "const m = await import('tskafka'); console.log(m.ApiVersionsRequest.encode(3, { clientSoftwareName: 'a', clientSoftwareVersion: 'b' }).toString('hex'), typeof m.encodeRecordBatch, m.murmur2Partition('21', 7))"]);
  // v3 body: compact "a", compact "b", empty tagged fields; murmur2("21") = -973932308 (Kafka's UtilsTest) -> partition 3 of 7.
  assert.equal(out, '0261026200 function 3\n');
});

it("require('tskafka') works from CommonJS", () => {
  const out = node(['-e', "const m = require('tskafka'); console.log(typeof m.ProduceRequest.decode, m.ErrorCode.NOT_LEADER_OR_FOLLOWER, m.crc32c(Buffer.from('123456789')).toString(16))"]);
  assert.equal(out, 'function 6 e3069283\n');
});

it('the tskafka command runs and lists its commands', () => {
  const out = node(['bin/tskafka.js', 'help']);
  assert.match(out, /usage: tskafka <command>/);
  assert.match(out, /selfcheck/);
});

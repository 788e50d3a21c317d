/**
 * SASL/PLAIN verification (RFC 4616) as the broker runs it, without sockets:
 * the message layout, Kafka's refusals and its wording.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyPlainMessage } from '../../../src/broker/auth/sasl-plain.js';

const passwords = new Map([
  ['alice', 'alice-secret'],
  ['bob', 'pässwörd'],
]);
const passwordOf = (username: string): string | undefined => passwords.get(username);
const plain = (authzid: string, authcid: string, passwd: string): Buffer => Buffer.from(`${authzid}\0${authcid}\0${passwd}`, 'utf8');

describe('SASL/PLAIN', () => {
  it('accepts the configured password, with or without an authzid naming the same user', () => {
    assert.deepEqual(verifyPlainMessage(plain('', 'alice', 'alice-secret'), passwordOf), { ok: true, username: 'alice' });
    assert.deepEqual(verifyPlainMessage(plain('alice', 'alice', 'alice-secret'), passwordOf), { ok: true, username: 'alice' });
    assert.deepEqual(verifyPlainMessage(plain('', 'bob', 'pässwörd'), passwordOf), { ok: true, username: 'bob' });
  });

  it('refuses a wrong password and an unknown user with the same message', () => {
    const wrong = verifyPlainMessage(plain('', 'alice', 'alice-secreT'), passwordOf);
    const unknown = verifyPlainMessage(plain('', 'mallory', 'alice-secret'), passwordOf);
    const prefix = verifyPlainMessage(plain('', 'alice', 'alice-secret-and-more'), passwordOf);
    assert.deepEqual(wrong, { ok: false, message: 'Authentication failed: Invalid username or password' });
    assert.deepEqual(unknown, wrong);
    assert.deepEqual(prefix, wrong);
  });

  it('refuses an authzid other than the user: no impersonation, as Kafka', () => {
    const r = verifyPlainMessage(plain('bob', 'alice', 'alice-secret'), passwordOf);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.message : '', /authorization id that is different from username/);
  });

  it('refuses malformed messages: wrong number of NULs, empty user or password, invalid UTF-8', () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('alice\0alice-secret'), /expected 3 tokens, got 2/],
      [Buffer.from('\0alice\0alice-secret\0'), /expected 3 tokens, got 4/],
      [plain('', '', 'alice-secret'), /username not specified/],
      [plain('', 'alice', ''), /password not specified/],
      [Buffer.from([0, 0x61, 0, 0xff, 0xfe]), /not UTF-8/],
    ];
    for (const [message, expected] of cases) {
      const r = verifyPlainMessage(message, passwordOf);
      assert.equal(r.ok, false, message.toString('hex'));
      assert.match(!r.ok ? r.message : '', expected);
    }
  });
});

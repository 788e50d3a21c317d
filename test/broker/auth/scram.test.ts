/**
 * The SCRAM server (RFC 5802, RFC 7677) without sockets: the RFC's own test
 * vector, an exchange against an independent client computation for both
 * hashes, username escaping, and each refusal with its `e=` value.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  SCRAM_ITERATIONS,
  type ScramMechanism,
  ScramCredentials,
  deriveScramCredential,
  scramServerFinal,
  scramServerFirst,
} from '../../../src/broker/auth/scram.js';

/** The client side, written from RFC 5802 section 3 independently of the server code. */
function clientFinal(mechanism: ScramMechanism, password: string, clientFirstBare: string, serverFirst: string, gs2Header = 'n,,', sentNonce?: string): string {
  const hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const attrs = Object.fromEntries(serverFirst.split(',').map((a) => [a.slice(0, 1), a.slice(2)]));
  const salted = pbkdf2Sync(password, Buffer.from(attrs['s']!, 'base64'), Number(attrs['i']), hash === 'sha256' ? 32 : 64, hash);
  const clientKey = createHmac(hash, salted).update('Client Key').digest();
  const storedKey = createHash(hash).update(clientKey).digest();
  const withoutProof = `c=${Buffer.from(gs2Header).toString('base64')},r=${sentNonce ?? attrs['r']}`;
  const signature = createHmac(hash, storedKey).update(`${clientFirstBare},${serverFirst},${withoutProof}`).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  return `${withoutProof},p=${proof.toString('base64')}`;
}

function expectedServerFinal(mechanism: ScramMechanism, password: string, clientFirstBare: string, serverFirst: string, clientFinalMessage: string): string {
  const hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const attrs = Object.fromEntries(serverFirst.split(',').map((a) => [a.slice(0, 1), a.slice(2)]));
  const salted = pbkdf2Sync(password, Buffer.from(attrs['s']!, 'base64'), Number(attrs['i']), hash === 'sha256' ? 32 : 64, hash);
  const serverKey = createHmac(hash, salted).update('Server Key').digest();
  const withoutProof = clientFinalMessage.slice(0, clientFinalMessage.lastIndexOf(',p='));
  return `v=${createHmac(hash, serverKey).update(`${clientFirstBare},${serverFirst},${withoutProof}`).digest('base64')}`;
}

const users = [
  { username: 'alice', password: 'alice-secret' },
  { username: 'we,ird=name', password: 'pw' },
];

describe('SCRAM server', () => {
  it('reproduces the RFC 7677 SCRAM-SHA-256 example exchange', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const credential = deriveScramCredential('SCRAM-SHA-256', 'pencil', salt, 4096);
    const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const serverFirst = `r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`;
    const result = scramServerFinal(
      { mechanism: 'SCRAM-SHA-256', username: 'user', gs2Header: 'n,,', clientFirstBare: 'n=user,r=rOprNGfwEbeRWgbNEkqO', serverFirst, clientNonce: 'rOprNGfwEbeRWgbNEkqO', nonce, credential },
      Buffer.from(`c=biws,r=${nonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`),
    );
    assert.deepEqual(result.ok && { username: result.username, serverFinal: result.serverFinal.toString() }, {
      username: 'user',
      serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
    });
  });

  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    describe(mechanism, () => {
      const credentials = ScramCredentials.derive(mechanism, users);

      it('completes an exchange: server-first extends the client nonce, server-final proves the server', () => {
        const clientFirstBare = 'n=alice,r=fyko+d2lbbFgONRv9qkxdawL';
        const first = scramServerFirst(credentials, Buffer.from(`n,,${clientFirstBare}`));
        assert.ok(first.ok);
        const serverFirst = first.serverFirst.toString();
        assert.match(serverFirst, new RegExp(`^r=fyko\\+d2lbbFgONRv9qkxdawL[^,]+,s=[A-Za-z0-9+/]+={0,2},i=${SCRAM_ITERATIONS}$`));
        const final = clientFinal(mechanism, 'alice-secret', clientFirstBare, serverFirst);
        const result = scramServerFinal(first.exchange, Buffer.from(final));
        assert.ok(result.ok);
        assert.equal(result.username, 'alice');
        assert.equal(result.serverFinal.toString(), expectedServerFinal(mechanism, 'alice-secret', clientFirstBare, serverFirst, final));
      });

      it('decodes =2C and =3D in usernames, and accepts an authzid naming the same user', () => {
        const clientFirstBare = 'n=we=2Cird=3Dname,r=abc';
        const gs2Header = 'n,a=we=2Cird=3Dname,';
        const first = scramServerFirst(credentials, Buffer.from(gs2Header + clientFirstBare));
        assert.ok(first.ok);
        const final = clientFinal(mechanism, 'pw', clientFirstBare, first.serverFirst.toString(), gs2Header);
        const result = scramServerFinal(first.exchange, Buffer.from(final));
        assert.ok(result.ok);
        assert.equal(result.username, 'we,ird=name');
      });

      it('fails a wrong password at the proof with e=invalid-proof and Kafka\'s message', () => {
        const clientFirstBare = 'n=alice,r=nonce1';
        const first = scramServerFirst(credentials, Buffer.from(`n,,${clientFirstBare}`));
        assert.ok(first.ok);
        const result = scramServerFinal(first.exchange, Buffer.from(clientFinal(mechanism, 'wrong', clientFirstBare, first.serverFirst.toString())));
        assert.ok(!result.ok);
        assert.equal(result.serverMessage.toString(), 'e=invalid-proof');
        assert.equal(result.message, `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`);
      });

      it('answers an unknown user with a stable mock salt and fails it like a wrong password', () => {
        const a = scramServerFirst(credentials, Buffer.from('n,,n=mallory,r=n1'));
        const b = scramServerFirst(credentials, Buffer.from('n,,n=mallory,r=n2'));
        assert.ok(a.ok && b.ok);
        const salt = (m: string): string | undefined => /,s=([^,]+),/.exec(m)?.[1];
        assert.equal(salt(a.serverFirst.toString()), salt(b.serverFirst.toString()));
        const result = scramServerFinal(a.exchange, Buffer.from(clientFinal(mechanism, 'anything', 'n=mallory,r=n1', a.serverFirst.toString())));
        assert.ok(!result.ok);
        assert.equal(result.serverMessage.toString(), 'e=invalid-proof');
      });

      it('accepts the client nonce repeated before the server nonce, as librdkafka before 2.6.1 sends it (librdkafka#4895)', () => {
        const clientFirstBare = 'n=alice,r=cnonce';
        const first = scramServerFirst(credentials, Buffer.from(`n,,${clientFirstBare}`));
        assert.ok(first.ok);
        const serverFirst = first.serverFirst.toString();
        const sent = (nonce: string): Buffer => Buffer.from(clientFinal(mechanism, 'alice-secret', clientFirstBare, serverFirst, 'n,,', nonce));
        const doubled = scramServerFinal(first.exchange, sent(`cnonce${first.exchange.nonce}`));
        assert.ok(doubled.ok, !doubled.ok ? doubled.message : '');
        assert.ok(!scramServerFinal(first.exchange, sent(`xcnonce${first.exchange.nonce}`)).ok, 'any other prefix is refused');
        assert.ok(!scramServerFinal(first.exchange, sent('cnonce')).ok, 'the server nonce is required');
      });

      it('refuses a client-final whose nonce or channel binding differs from the exchange', () => {
        const clientFirstBare = 'n=alice,r=nonce2';
        const first = scramServerFirst(credentials, Buffer.from(`n,,${clientFirstBare}`));
        assert.ok(first.ok);
        const good = clientFinal(mechanism, 'alice-secret', clientFirstBare, first.serverFirst.toString());
        const badNonce = scramServerFinal(first.exchange, Buffer.from(good.replace(/,r=([^,]+)/, ',r=$1x')));
        assert.ok(!badNonce.ok);
        assert.equal(badNonce.serverMessage.toString(), 'e=other-error');
        const badBinding = scramServerFinal(first.exchange, Buffer.from(good.replace('c=biws', 'c=eSws')));
        assert.ok(!badBinding.ok);
        assert.equal(badBinding.serverMessage.toString(), 'e=channel-bindings-dont-match');
      });
    });
  }

  it('refuses malformed client-first messages with the RFC 5802 error values', () => {
    const credentials = ScramCredentials.derive('SCRAM-SHA-256', users);
    const cases: [string | Buffer, string][] = [
      ['p=tls-unique,,n=alice,r=abc', 'e=channel-binding-not-supported'],
      ['x,,n=alice,r=abc', 'e=other-error'],
      ['n,,m=ext,n=alice,r=abc', 'e=extensions-not-supported'],
      ['n,,n=al=3Xice,r=abc', 'e=invalid-username-encoding'],
      ['n,,n=,r=abc', 'e=invalid-username-encoding'],
      ['n,,n=alice,r=', 'e=other-error'],
      ['n,,n=alice', 'e=other-error'],
      ['n,a=bob,n=alice,r=abc', 'e=other-error'],
      ['n,,n=alice,r=abc,tokenauth=true', 'e=extensions-not-supported'],
      [Buffer.from([0x6e, 0x2c, 0x2c, 0xff]), 'e=invalid-encoding'],
    ];
    for (const [message, expected] of cases) {
      const r = scramServerFirst(credentials, typeof message === 'string' ? Buffer.from(message) : message);
      assert.ok(!r.ok, String(message));
      assert.equal(r.serverMessage.toString(), expected, String(message));
      assert.match(r.message, /^Authentication failed/);
    }
  });
});

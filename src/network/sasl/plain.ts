/**
 * SASL PLAIN, client side (RFC 4616), as Kafka's PlainSaslServer expects it:
 * one message `authzid NUL authcid NUL passwd`, with an empty authzid (Kafka
 * accepts only an empty one or the username itself), and an empty answer.
 * The password crosses the wire in clear: use PLAIN only inside TLS.
 */
import { type SaslMechanismClient } from './mechanism.js';

/** The PLAIN exchange: one token out, nothing to check in the answer. */
export function plainMechanism(username: string, password: string): SaslMechanismClient {
  return {
    name: 'PLAIN',
    start: async () => Buffer.from(`\u0000${username}\u0000${password}`, 'utf8'),
    next: async () => null,
  };
}

/** The all-zero Kafka Uuid (Uuid.ZERO_UUID), meaning "none", in its base64url text form. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** A shared empty buffer for empty `bytes` defaults; never written to. */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

/**
 * Why a record batch's payload could not be compressed or decompressed, or why a
 * codec id or name was not recognised.
 *
 * Never retriable: the same bytes fail the same way on every attempt. Java reports
 * these as `KafkaException` / `CorruptRecordException`; the layers above may wrap this
 * in their own KafkaJS-named error, keeping it as `cause`.
 */
export class CompressionError extends Error {
  /** Retrying cannot help: a corrupt payload or a bad codec stays so. */
  readonly retriable = false;
  /** The codec name ('gzip', 'snappy', ...) or the unrecognised id/name, as text. */
  readonly codec: string;

  /**
   * @param codec - the codec's name, or the bad id/name that was given
   * @param message - what went wrong, naming the codec
   * @param options - `cause`: the underlying error (zlib's, the zstd binding's)
   */
  constructor(codec: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CompressionError';
    this.codec = codec;
  }
}

/** The message of a caught value, which need not be an `Error` (napi bindings may throw strings). */
export function causeMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Output over the limit given to `decompress` (the payload may be valid: it is too big to expand here). */
export class DecompressionLimitError extends CompressionError {
  constructor(
    codec: string,
    readonly maxOutput: number,
    size: number,
  ) {
    super(codec, `${codec}: the records would decompress to ${size > maxOutput ? `${size} bytes` : `more than ${maxOutput} bytes`}, over the limit of ${maxOutput}`);
    this.name = 'DecompressionLimitError';
  }
}

/** The error for output over a decompression limit. */
export function outputTooLarge(codec: string, size: number, maxOutput: number): DecompressionLimitError {
  return new DecompressionLimitError(codec, maxOutput, size);
}

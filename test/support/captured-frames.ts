/**
 * Request frames captured from real third-party clients (KafkaJS, kcat/librdkafka)
 * talking to our broker: the committed fixture test/fixtures/captured-frames.json,
 * written by scripts/capture-fuzz-seeds.ts. The broker's fuzz test mutates them
 * alongside the frames our own encoders build, since a client and a broker from
 * the same hands can agree with each other and both be wrong.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the fixture lives. */
export const CAPTURED_FRAMES_PATH = fileURLToPath(new URL('../fixtures/captured-frames.json', import.meta.url));

/** The third-party clients frames are captured from. */
export const CAPTURE_CLIENTS = ['kafkajs', 'kcat'] as const;
export type CaptureClient = (typeof CAPTURE_CLIENTS)[number];

/** One captured request, as stored. */
export interface StoredFrame {
  readonly client: CaptureClient;
  /** The session that sent it (the client id it used), e.g. `kafkajs-producer-gzip`. */
  readonly session: string;
  /** The API's name, for people reading the file. */
  readonly api: string;
  readonly apiKey: number;
  readonly apiVersion: number;
  /** The frame verbatim, int32 size prefix included, base64. */
  readonly frame: string;
}

/** The fixture file. */
export interface CapturedFramesFile {
  readonly comment: string;
  /** The client versions the frames came from. */
  readonly clients: Readonly<Record<CaptureClient, string>>;
  /** Topics the capture created (their names are inside the frames); a replay creates them first. */
  readonly topics: readonly { readonly name: string; readonly partitions: number }[];
  /** Consumer groups the frames name. */
  readonly groups: readonly string[];
  readonly frames: readonly StoredFrame[];
}

/** One captured request, decoded. */
export interface CapturedFrame extends Omit<StoredFrame, 'frame'> {
  readonly frame: Buffer;
  /** The correlation id the client gave it (request header, after the size, key and version). */
  readonly correlationId: number;
}

/** Read the fixture; throws (ENOENT) when it is missing. */
export function loadCapturedFrames(path = CAPTURED_FRAMES_PATH): CapturedFramesFile & { readonly decoded: readonly CapturedFrame[] } {
  const file = JSON.parse(readFileSync(path, 'utf8')) as CapturedFramesFile;
  const decoded = file.frames.map((f) => {
    const frame = Buffer.from(f.frame, 'base64');
    return { ...f, frame, correlationId: frame.readInt32BE(8) };
  });
  return { ...file, decoded };
}

/** The fetcher's public face, for the consumer: see fetcher.ts. */
export { Fetcher, type FetcherOptions, type FetchedBatch } from './fetcher.js';

/** The broker the benchmarks run against. */

/**
 * Arguments of tskafka's embedded broker for a benchmark (startBrokerChild): in memory,
 * quiet, an ephemeral port, `partitions` per topic, no auto-created topics.
 */
export function benchBrokerArgs(partitions: number): string[] {
  return [
    '--in-memory',
    '--log-level',
    'warn',
    '--override',
    'listeners=PLAINTEXT://127.0.0.1:0',
    '--override',
    `num.partitions=${partitions}`,
    '--override',
    'auto.create.topics.enable=false',
  ];
}

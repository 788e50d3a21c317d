/**
 * How many connections the broker holds, as Kafka's `ConnectionQuotas`:
 * `max.connections` across every listener, `listener.name.<listener>.max.connections`
 * per listener, and `max.connections.per.ip` per client address (with
 * `max.connections.per.ip.overrides`). A connection past
 * either limit is closed as soon as it is accepted, and the refusal is logged.
 *
 * Kafka refuses a connection past the per-address limit the same way; past
 * `max.connections` it stops accepting until a connection closes instead, which
 * Node's server cannot do (it has no way to pause `accept`), so that limit
 * closes the newcomer too. Either way a flood of connections cannot take every
 * file descriptor, and the clients already connected keep being served.
 */
import { type Socket } from 'node:net';
import { type ConnectionLimitsConfig, normalizeIp } from './config.js';
import { type BrokerLogger } from './logger.js';

/** At most one refusal line per this many ms; the refusals in between are counted in the next line. */
const REFUSAL_LOG_INTERVAL_MS = 1_000;

export class ConnectionQuotas {
  #total = 0;
  readonly #byAddress = new Map<string, number>();
  readonly #byListener = new Map<string, number>();
  #lastRefusalLoggedAt = -Infinity;
  #refusedUnlogged = 0;

  constructor(
    readonly limits: ConnectionLimitsConfig,
    readonly logger: BrokerLogger,
  ) {}

  /** Connections counted now. */
  get count(): number {
    return this.#total;
  }

  /**
   * Count a socket just accepted, until it closes; or, past a limit, destroy it and log why.
   *
   * @returns whether the socket may be served
   */
  admit(socket: Socket, listenerName: string): boolean {
    const address = normalizeIp(socket.remoteAddress ?? '');
    const fromAddress = this.#byAddress.get(address) ?? 0;
    const perAddress = this.limits.maxConnectionsPerIpOverrides.get(address) ?? this.limits.maxConnectionsPerIp;
    const onListener = this.#byListener.get(listenerName) ?? 0;
    const perListener = this.limits.maxConnectionsPerListener.get(listenerName);
    const refusal =
      fromAddress >= perAddress
        ? `address ${address} already has the configured maximum of ${perAddress} connections (max.connections.per.ip${this.limits.maxConnectionsPerIpOverrides.has(address) ? '.overrides' : ''})`
        : perListener !== undefined && onListener >= perListener
          ? `listener ${listenerName} already has the configured maximum of ${perListener} connections (listener.name.${listenerName.toLowerCase()}.max.connections)`
          : this.#total >= this.limits.maxConnections
          ? `the broker already has the configured maximum of ${this.limits.maxConnections} connections (max.connections)`
          : undefined;
    if (refusal !== undefined) {
      socket.destroy();
      this.#logRefusal(`refused a connection on listener ${listenerName} from ${address}: ${refusal}`);
      return false;
    }
    this.#total++;
    this.#byAddress.set(address, fromAddress + 1);
    this.#byListener.set(listenerName, onListener + 1);
    socket.once('close', () => {
      this.#total--;
      this.#byListener.set(listenerName, (this.#byListener.get(listenerName) ?? 1) - 1);
      const left = (this.#byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.#byAddress.set(address, left);
      else this.#byAddress.delete(address);
    });
    return true;
  }

  #logRefusal(message: string): void {
    const now = performance.now();
    if (now - this.#lastRefusalLoggedAt < REFUSAL_LOG_INTERVAL_MS) {
      this.#refusedUnlogged++;
      return;
    }
    const more = this.#refusedUnlogged;
    this.#lastRefusalLoggedAt = now;
    this.#refusedUnlogged = 0;
    this.logger.warn(more > 0 ? `${message} (and ${more} more refused since the last such line)` : message);
  }
}

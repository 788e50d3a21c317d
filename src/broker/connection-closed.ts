/**
 * When a client's connection closes, as an AbortSignal, so a handler that waits (a long-poll
 * Fetch, a Produce queued for the decompression budget) can drop its work the moment its
 * client is gone instead of holding it for a reply nobody will read.
 *
 * A Connection's socket is paused while it handles a request, but Node still reads the
 * client's FIN (nothing is left buffered to deliver first), so a client that sent a request
 * and hung up is seen closing at once. One that sent more bytes after the request is seen
 * only when they are read, after the request is answered.
 */
import { setMaxListeners } from 'node:events';
import { type Socket } from 'node:net';
import { type Broker } from './broker.js';
import { type Session } from './session.js';

const signals = new WeakMap<Session, AbortSignal>();

/**
 * Aborted when the connection of `session` closes (already aborted if it has).
 *
 * Handlers get no socket, so the connection is found by its session among the broker's
 * open connections, once per connection (the signal is kept with the session).
 */
export function connectionClosedSignal(broker: Broker, session: Session): AbortSignal {
  const known = signals.get(session);
  if (known !== undefined) return known;
  const controller = new AbortController();
  // A Produce of many partitions waits on it once per partition: not a leak.
  setMaxListeners(0, controller.signal);
  let socket: Socket | null = null;
  for (const connection of broker.connections) {
    if (connection.session === session) {
      socket = connection.socket;
      break;
    }
  }
  // A connection leaves broker.connections when its socket closes.
  if (socket === null || socket.destroyed) controller.abort();
  else socket.once('close', () => controller.abort());
  signals.set(session, controller.signal);
  return controller.signal;
}

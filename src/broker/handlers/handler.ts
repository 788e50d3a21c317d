/**
 * The shape of one API's handler in the embedded broker. Each file in this
 * folder defines one, opening with the versions it serves and its behaviour.
 */
import { type RequestHeaderFields } from '../../protocol/framing.js';
import { type Input, type MessageCodec } from '../../protocol/primitives/message.js';
import { type Broker } from '../broker.js';
import { type Session } from '../session.js';

/** What a handler sees of the request besides its body. */
export interface RequestContext {
  readonly broker: Broker;
  readonly session: Session;
  readonly header: RequestHeaderFields;
  /** The request's size on the wire (for quotas and logs). */
  readonly size: number;
  /** Close this client's connection, logging why (Kafka's answer to a failed acks=0 produce). */
  closeConnection(reason: string): void;
}

/** Returned instead of a body when the request gets no response (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response');

export interface Handler<Req = unknown, Res = unknown> {
  readonly apiKey: number;
  /** Versions this broker serves (a sub-range of the codec's). */
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
  /** Served before SASL authentication completes (ApiVersions, SaslHandshake, SaslAuthenticate). */
  readonly beforeAuthentication?: boolean;
  handle(ctx: RequestContext, request: Req): Promise<Input<Res> | typeof NO_RESPONSE> | Input<Res> | typeof NO_RESPONSE;
}

/** Typed helper so each handler file infers Req and Res from its codecs. */
export function defineHandler<Req, Res>(h: Handler<Req, Res>): Handler<Req, Res> {
  if (h.minVersion < h.request.minVersion || h.maxVersion > h.request.maxVersion) {
    throw new RangeError(`${h.request.name} handler serves ${h.minVersion}-${h.maxVersion}, outside the codec's ${h.request.minVersion}-${h.request.maxVersion}`);
  }
  return h;
}

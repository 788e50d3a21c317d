/**
 * The topics a consumer group's members subscribe to, read from their
 * subscription metadata for the group's chosen protocol (Kafka's
 * `GroupMetadata.computeSubscribedTopics`): an int16 version, then a
 * ConsumerProtocolSubscription at that version. OffsetDelete needs it: a
 * group may not lose the offsets of a topic it is consuming.
 */
import { ConsumerProtocolSubscription } from '../../protocol/generated/consumer-protocol-subscription.js';
import { type Group } from './group.js';

/** The highest ConsumerProtocolSubscription version this broker reads. */
const MAX_SUBSCRIPTION_VERSION = 3;

/** Kafka's consumer protocol type: only such groups have subscriptions to read. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/**
 * Every topic some member of `group` subscribes to; undefined when that cannot
 * be known (not a consumer group, no protocol chosen yet, or a subscription that
 * does not parse), which callers treat as "possibly subscribed to anything".
 */
export function subscribedTopics(group: Group): ReadonlySet<string> | undefined {
  if (group.protocolType !== CONSUMER_PROTOCOL_TYPE || group.protocolName === null) return undefined;
  const topics = new Set<string>();
  for (const member of group.members.values()) {
    const metadata = member.metadataFor(group.protocolName);
    if (metadata.length < 2) return undefined;
    try {
      const version = Math.min(metadata.readInt16BE(0), MAX_SUBSCRIPTION_VERSION);
      for (const topic of ConsumerProtocolSubscription.decode(version, metadata.subarray(2)).topics) topics.add(topic);
    } catch {
      return undefined;
    }
  }
  return topics;
}

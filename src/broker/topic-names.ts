/** Topic names as Kafka accepts them (Java's `Topic.validate`). */

/** A topic name Kafka would accept: [a-zA-Z0-9._-], 1-249 chars, not "." or "..". */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return 'the topic name is empty';
  if (name === '.' || name === '..') return `topic name "${name}" is not allowed`;
  if (name.length > 249) return `topic name is ${name.length} characters, more than 249`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return `topic name "${name}" has characters other than ASCII letters, digits, '.', '_' and '-'`;
  return null;
}

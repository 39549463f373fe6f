import { TopicId } from '../constants.js';
import type { SnPredefinedTopic } from './ports.js';
import { isValidTopicName } from '@hearth/mqtt-topics';

/**
 * Reads `clientId,topicName,topicId` lines ('*' = every client). Blank lines, '#' comments and a header
 * line are skipped; a topic name may itself hold commas. Every bad line is reported, with its number.
 */
export function parsePredefinedTopics(text: string): { topics: SnPredefinedTopic[]; errors: string[] } {
  const topics: SnPredefinedTopic[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const where = `line ${index + 1}`;
    if (line === '' || line.startsWith('#') || /^client_?id\s*,/i.test(line)) return;
    const fields = line.split(',');
    if (fields.length < 3) return void errors.push(`${where}: expected clientId,topicName,topicId`);
    const clientId = fields[0].trim();
    const topicName = fields.slice(1, -1).join(',').trim();
    const topicId = Number(fields.at(-1));
    if (clientId === '') errors.push(`${where}: empty clientId`);
    else if (!isValidTopicName(topicName)) errors.push(`${where}: "${topicName}" is not a topic name`);
    else if (!Number.isInteger(topicId) || topicId <= TopicId.NONE || topicId >= TopicId.RESERVED) {
      errors.push(`${where}: topic id must be 1-65534, got "${fields.at(-1)?.trim()}"`);
    } else if (seen.has(`${clientId}\0${topicId}`)) errors.push(`${where}: topic id ${topicId} given twice for ${clientId}`);
    else {
      seen.add(`${clientId}\0${topicId}`);
      topics.push({ clientId, topicName, topicId });
    }
  });
  return { topics, errors };
}

import { describe, expect, it } from 'vitest';
import { parsePredefinedTopics } from './predefined-csv.js';

describe('parsePredefinedTopics', () => {
  it('reads entries, skipping a header, comments and blank lines', () => {
    const text = 'clientId,topicName,topicId\n# shared\n*,house/alarm,1\r\n\ngarden-1, garden/1/moisture ,2\nweird,a,b/c,3\n';
    expect(parsePredefinedTopics(text)).toEqual({
      topics: [
        { clientId: '*', topicName: 'house/alarm', topicId: 1 },
        { clientId: 'garden-1', topicName: 'garden/1/moisture', topicId: 2 },
        { clientId: 'weird', topicName: 'a,b/c', topicId: 3 },
      ],
      errors: [],
    });
  });

  it('reports every bad line', () => {
    const text = '*,a\n*,a/+,1\n*,a,0\n*,a,65535\n,a,4\n*,b,5\n*,c,5\n';
    expect(parsePredefinedTopics(text).errors).toEqual([
      'line 1: expected clientId,topicName,topicId',
      'line 2: "a/+" is not a topic name',
      'line 3: topic id must be 1-65534, got "0"',
      'line 4: topic id must be 1-65534, got "65535"',
      'line 5: empty clientId',
      'line 7: topic id 5 given twice for *',
    ]);
  });
});

import { parentPath } from './form.js';

/** Where a value sits in a JSON text: character offsets [start, end) and its 1-based line. */
export interface Place {
  start: number;
  end: number;
  line: number;
}

/**
 * Every value of a JSON text by its path as the hub names it (`triggers[0].entityId`, '' for the whole),
 * read by a small scanner that stops quietly at the first thing that is not JSON.
 */
export function jsonPlaces(text: string): Map<string, [number, number]> {
  const places = new Map<string, [number, number]>();
  let i = 0;
  const space = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const string = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) throw new SyntaxError('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const expect = (char: string) => {
    space();
    if (text[i] !== char) throw new SyntaxError(`expected ${char}`);
    i++;
  };
  /** An object's members or an array's elements, from its opening bracket to `close`: `entry` reads one. */
  const entries = (close: '}' | ']', entry: (index: number) => void) => {
    i++;
    space();
    for (let index = 0; text[i] !== close; index++) {
      entry(index);
      space();
      if (text[i] === ',') i++;
      else if (text[i] !== close) throw new SyntaxError(`expected , or ${close}`);
      space();
    }
    i++;
  };
  const value = (path: string): void => {
    space();
    const start = i;
    // Until the value is read to its end, it reaches to the end of the text: unfinished JSON is still a place.
    places.set(path, [start, text.length]);
    if (text[i] === '{') {
      entries('}', () => {
        if (text[i] !== '"') throw new SyntaxError('expected a key');
        const key = string();
        expect(':');
        value(path ? `${path}.${key}` : key);
      });
    } else if (text[i] === '[') {
      entries(']', (index) => value(`${path}[${index}]`));
    } else if (text[i] === '"') {
      string();
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
      if (i === start) throw new SyntaxError('expected a value');
    }
    places.set(path, [start, i]);
  };
  try {
    value('');
  } catch {
    // What was read so far is still worth pointing at.
  }
  return places;
}

/** The place of the value at `path`, or of its nearest parent in the text (a missing key: the object it belongs in). */
export function locate(text: string, path: string): Place | undefined {
  const places = jsonPlaces(text);
  for (let at: string | undefined = path; at !== undefined; at = parentPath(at)) {
    const found = places.get(at);
    if (found) return { start: found[0], end: found[1], line: text.slice(0, found[0]).split('\n').length };
  }
  return undefined;
}

/**
 * Reading a document someone wrote (rule JSON, a device profile's YAML, a Home Assistant discovery config)
 * into typed values, naming every problem by where it is (`triggers[0].entityId`). One wording for the
 * whole hub: `required`, `must be a string`, `must be one of a, b`...
 */

export type JsonObject = Record<string, unknown>;

export interface FieldProblem {
  /** Where in the document, e.g. `triggers[0].entityId`; empty for the document itself. */
  path: string;
  message: string;
}

export const fieldPath = (path: string, key: string): string => (path ? `${path}.${key}` : key);

export const isJsonObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A key's value, absent when the key is only inherited or is null (YAML's `key:` with nothing after it). */
export const fieldOf = (o: JsonObject, key: string): unknown => (Object.hasOwn(o, key) && o[key] !== null ? o[key] : undefined);

export interface StringRule {
  required?: boolean;
  /** Characters at least (default 1: empty is refused). */
  min?: number;
  max?: number;
}

export interface ListRule {
  required?: boolean;
  max?: number;
  allowEmpty?: boolean;
}

/**
 * Each method reads one field and returns its value, or records what is wrong and returns undefined. The
 * problems are collected (up to `maxProblems`); a reader that stops at the first one (discovery) overrides
 * `fail` to throw.
 */
export class FieldReader {
  readonly problems: FieldProblem[] = [];

  constructor(private readonly maxProblems = Number.POSITIVE_INFINITY) {}

  fail(path: string, message: string): undefined {
    if (this.problems.length < this.maxProblems) this.problems.push({ path, message });
    return undefined;
  }

  /** A plain object; with `keys`, any other key is a problem (the known ones are still read). */
  object(value: unknown, path: string, keys?: readonly string[]): JsonObject | undefined {
    if (!isJsonObject(value)) return this.fail(path, 'must be an object');
    if (keys) this.unknownKeys(value, path, keys);
    return value;
  }

  unknownKeys(o: JsonObject, path: string, keys: readonly string[]): void {
    for (const key of Object.keys(o)) if (!keys.includes(key)) this.fail(fieldPath(path, key), `unknown key (allowed: ${keys.join(', ')})`);
  }

  string(o: JsonObject, key: string, path: string, { required = false, min = 1, max = Number.POSITIVE_INFINITY }: StringRule = {}): string | undefined {
    const value = fieldOf(o, key);
    const at = fieldPath(path, key);
    if (value === undefined) return required ? this.fail(at, 'required') : undefined;
    if (typeof value !== 'string') return this.fail(at, 'must be a string');
    if (value.length < min) return this.fail(at, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
    if (value.length > max) return this.fail(at, `must be at most ${max} characters`);
    return value;
  }

  number(o: JsonObject, key: string, path: string, { required = false }: { required?: boolean } = {}): number | undefined {
    const value = fieldOf(o, key);
    if (value === undefined) return required ? this.fail(fieldPath(path, key), 'required') : undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    return this.fail(fieldPath(path, key), 'must be a number');
  }

  boolean(o: JsonObject, key: string, path: string): boolean | undefined {
    const value = fieldOf(o, key);
    if (value === undefined || typeof value === 'boolean') return value;
    return this.fail(fieldPath(path, key), 'must be true or false');
  }

  oneOf<T extends string | number>(o: JsonObject, key: string, path: string, options: readonly T[], { required = false }: { required?: boolean } = {}): T | undefined {
    const value = fieldOf(o, key);
    if (value === undefined) return required ? this.fail(fieldPath(path, key), 'required') : undefined;
    if ((options as readonly unknown[]).includes(value)) return value as T;
    return this.fail(fieldPath(path, key), `must be one of ${options.join(', ')}`);
  }

  /** A list read item by item (an unreadable item is left out, its problem recorded); its length is checked before any item is read. */
  list<T>(o: JsonObject, key: string, path: string, item: (value: unknown, path: string) => T | undefined, { required = false, max = Number.POSITIVE_INFINITY, allowEmpty = true }: ListRule = {}): T[] | undefined {
    const value = fieldOf(o, key);
    const at = fieldPath(path, key);
    if (value === undefined) return required ? this.fail(at, 'required') : undefined;
    if (!Array.isArray(value)) return this.fail(at, 'must be a list');
    if (value.length > max) return this.fail(at, `at most ${max} items`);
    if (!allowEmpty && value.length === 0) return this.fail(at, 'must not be empty');
    return value.flatMap((v, i) => item(v, `${at}[${i}]`) ?? []);
  }
}

import type { Buffer } from 'node:buffer';
import type { ValueExtractor } from '../mapping/definition.js';
import { compileTemplate, getMember, renderTemplate, Undefined, type TemplateError } from './template.js';

export type ExtractResult = { ok: true; value: unknown } | { ok: false; reason: string };

export type JsonPath = ReadonlyArray<string | number>;
export type JsonPathResult = { ok: true; path: JsonPath } | { ok: false; reason: string };

/**
 * Reads a value out of a payload. Strings that are plain JSON numbers (`21.5`, `-3`, not `0042`) come out as
 * numbers, whichever extractor produced them. Never throws.
 */
export function extractValue(extractor: ValueExtractor, payload: Buffer): ExtractResult {
  const text = payload.toString('utf8');
  switch (extractor.kind) {
    case 'raw':
      return { ok: true, value: numericOrSelf(text) };
    case 'jsonPath': {
      const path = parseJsonPath(extractor.path);
      if (!path.ok) return path;
      const json = parseJson(text);
      if (json instanceof Undefined) return { ok: false, reason: json.hint };
      const value = followPath(json, path.path);
      return value instanceof Undefined ? { ok: false, reason: value.hint } : { ok: true, value: numericOrSelf(value) };
    }
    case 'template': {
      const compiled = compileTemplate(extractor.template);
      if (!compiled.ok) return { ok: false, reason: describeTemplateError(compiled.error) };
      const variables = compiled.template.usesValueJson ? { value: text, value_json: parseJson(text) } : { value: text };
      const rendered = renderTemplate(compiled.template, variables);
      return rendered.ok ? { ok: true, value: numericOrSelf(rendered.value) } : rendered;
    }
    default:
      return { ok: false, reason: `unknown extractor kind ${JSON.stringify((extractor as { kind: unknown }).kind)}` };
  }
}

/** Checks an extractor once, when a definition is built, so a bad path or template rejects the definition. */
export function checkExtractor(extractor: ValueExtractor): { ok: true } | { ok: false; reason: string } {
  if (extractor.kind === 'jsonPath') {
    const path = parseJsonPath(extractor.path);
    return path.ok ? { ok: true } : path;
  }
  if (extractor.kind === 'template') {
    const compiled = compileTemplate(extractor.template);
    return compiled.ok ? { ok: true } : { ok: false, reason: describeTemplateError(compiled.error) };
  }
  return { ok: true };
}

export function describeTemplateError(error: TemplateError): string {
  return `${error.message} (at character ${error.position + 1})`;
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function numericOrSelf(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return JSON_NUMBER.test(trimmed) ? Number(trimmed) : value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return new Undefined('the payload is not JSON');
  }
}

const pathCache = new Map<string, JsonPathResult>();
const PATH_CACHE_LIMIT = 1024;
const PATH_SEGMENT = /([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;

/**
 * Parses `ENERGY.Power`, `a.b[0]`, `a["key with.dot"]`: names separated by dots, integer indexes and quoted
 * keys in brackets.
 */
export function parseJsonPath(path: string): JsonPathResult {
  const cached = pathCache.get(path);
  if (cached) return cached;
  const result = parsePathUncached(path);
  if (pathCache.size >= PATH_CACHE_LIMIT) pathCache.delete(pathCache.keys().next().value as string);
  pathCache.set(path, result);
  return result;
}

function parsePathUncached(path: string): JsonPathResult {
  if (path === '') return { ok: false, reason: 'JSON path is empty' };
  const segments: Array<string | number> = [];
  let at = 0;
  while (at < path.length) {
    const dotted = segments.length > 0 && path[at] === '.';
    if (dotted) at++;
    PATH_SEGMENT.lastIndex = at;
    const match = PATH_SEGMENT.exec(path);
    // A name needs a dot before it unless it starts the path.
    if (!match || (match[1] !== undefined && segments.length > 0 && !dotted)) {
      return { ok: false, reason: `JSON path ${JSON.stringify(path)} is malformed at character ${at + 1}` };
    }
    const [whole, name, index, single, double] = match;
    segments.push(index !== undefined ? Number(index) : (name ?? single ?? double));
    at += whole.length;
  }
  return { ok: true, path: segments };
}

function followPath(json: unknown, path: JsonPath): unknown {
  let value = json;
  let described = '';
  for (const segment of path) {
    described += typeof segment === 'number' ? `[${segment}]` : described ? `.${segment}` : segment;
    value = getMember(value, segment, described);
    if (value instanceof Undefined) return new Undefined(`no ${described} in the payload`);
  }
  return value;
}

import type { EntityKind } from './definition.js';

/**
 * The object part of an entity id: lower-case, accents dropped (`Température` → `temperature`), every other
 * character outside `[a-z0-9_]` turned into `_`, runs of `_` collapsed and trimmed. Empty input gives `unnamed`.
 */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  return slug || 'unnamed';
}

/** `<kind>.<object>`, e.g. `light.kitchen`. */
export function entityId(kind: EntityKind, objectId: string): string {
  return `${kind}.${slugify(objectId)}`;
}

/** The entity id, or the first of `_2`, `_3`, … that is not taken yet. */
export function uniqueEntityId(kind: EntityKind, objectId: string, taken: ReadonlySet<string>): string {
  const base = entityId(kind, objectId);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

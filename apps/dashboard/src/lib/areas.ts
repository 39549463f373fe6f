import type { EntityDto } from '@hearth/api-types';

export interface AreaGroup {
  area: string;
  entities: EntityDto[];
}

export const NO_AREA = 'Other';

/** Entities by area, areas and names alphabetical, entities without an area last under "Other". */
export function groupByArea(entities: readonly EntityDto[]): AreaGroup[] {
  const groups = new Map<string, EntityDto[]>();
  for (const entity of entities) {
    const area = entity.area?.trim() || NO_AREA;
    groups.set(area, [...(groups.get(area) ?? []), entity]);
  }
  return [...groups]
    .sort(([a], [b]) => (a === NO_AREA ? 1 : b === NO_AREA ? -1 : a.localeCompare(b)))
    .map(([area, list]) => ({ area, entities: list.sort((a, b) => a.name.localeCompare(b.name)) }));
}

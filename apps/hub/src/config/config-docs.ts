import { configSchema, isKeySpec } from './config.schema.js';


const show = (value: unknown): string => {
  if (value === null) return 'off / unset';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(',');
  return String(value);
};

/** The configuration reference as a Markdown table, straight from the schema (the README carries it). */
export function configTable(): string {
  const rows: string[] = ['| variable | `hearth.yaml` key | default | meaning |', '| --- | --- | --- | --- |'];
  const walk = (node: object, path: string[]) => {
    for (const [name, child] of Object.entries(node)) {
      if (!isKeySpec(child)) walk(child, [...path, name]);
      // The pretty-log default depends on the terminal the hub runs in.
      else rows.push(`| \`${child.env}\` | \`${[...path, name].join('.')}\` | ${child.env === 'HEARTH_LOG_PRETTY' ? 'on a terminal' : show(child.default)} | ${child.describe} |`);
    }
  };
  walk(configSchema, []);
  return rows.join('\n');
}

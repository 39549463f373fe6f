import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { configSchema, ConfigValueError, isKeySpec, type HubConfig } from './config.schema.js';

/** Every problem found in the configuration, reported at once so one fix-and-restart is enough. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  env: NodeJS.ProcessEnv;
  /** Directory holding the optional `hearth.yaml` and `.env`. */
  cwd: string;
}


const readFile = (path: string, problems: string[], parse: (text: string) => unknown): unknown => {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`${path}: ${(error as Error).message}`);
    return undefined;
  }
};

/**
 * Environment variables win over `hearth.yaml` (or the file named by HEARTH_CONFIG), which wins over
 * `.env`, which wins over the defaults. Throws ConfigError naming every bad key.
 */
export function loadConfig({ env, cwd }: ConfigSources): HubConfig {
  const problems: string[] = [];
  const dotenvPath = resolve(cwd, '.env');
  const dotenv = existsSync(dotenvPath) ? (readFile(dotenvPath, problems, parseEnv) as Record<string, string>) : {};
  const filePath = resolve(cwd, env.HEARTH_CONFIG ?? 'hearth.yaml');
  if (env.HEARTH_CONFIG && !existsSync(filePath)) problems.push(`HEARTH_CONFIG: no such file ${filePath}`);
  const file = existsSync(filePath) ? (readFile(filePath, problems, parseYaml) ?? {}) : {};

  const walk = (schema: object, fileNode: unknown, path: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const fileValues = typeof fileNode === 'object' && fileNode !== null ? (fileNode as Record<string, unknown>) : {};
    if (fileNode !== undefined && fileNode !== fileValues) problems.push(`${filePath}: ${path.join('.') || 'top level'} must be a mapping`);
    for (const name of Object.keys(fileValues)) {
      if (!(name in schema)) problems.push(`${filePath}: unknown key ${[...path, name].join('.')}`);
    }
    for (const [name, node] of Object.entries(schema)) {
      const keyPath = [...path, name];
      if (!isKeySpec(node)) {
        out[name] = walk(node, fileValues[name], keyPath);
        continue;
      }
      const fromFile = fileValues[name];
      const structured = node.fromFile && env[node.env] === undefined && typeof fromFile === 'object' && fromFile !== null;
      const raw = env[node.env] ?? (fromFile === undefined || fromFile === null ? undefined : String(fromFile)) ?? dotenv?.[node.env];
      if (raw === undefined) {
        out[name] = node.default;
        continue;
      }
      try {
        out[name] = structured ? node.fromFile!(fromFile) : node.parse(raw);
      } catch (error) {
        if (!(error instanceof ConfigValueError)) throw error;
        problems.push(`${node.env} (${keyPath.join('.')}): ${error.message}`);
      }
    }
    return out;
  };

  const config = walk(configSchema, file, []);
  if (problems.length > 0) throw new ConfigError(problems);
  return config as unknown as HubConfig;
}

import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Invocation {
  values: Record<string, string | string[] | boolean | undefined>;
  positionals: string[];
}

/** One `hearth <group> <name>` command: its help text is generated from the same fields that parse it. */
export interface Command {
  /** e.g. "user add" */
  name: string;
  summary: string;
  /** Positional arguments, in order, e.g. ["<name>"]. */
  args: string[];
  options?: Options;
  /** Extra help lines (what is read from stdin, what is printed). */
  details?: string[];
  run(invocation: Invocation): Promise<void>;
}

/** Wrong usage: the CLI prints the message and the command's help, and exits with status 2. */
export class UsageError extends Error {}

export function helpOf(command: Command): string {
  const specs: Options = { ...command.options, help: describe({ type: 'boolean', short: 'h' }, 'show this help') };
  const options = Object.entries(specs).map(([name, spec]) => {
    const flags = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ' <value>' : ''}`;
    return `  ${flags.padEnd(24)}${(spec as { description?: string }).description ?? ''}`;
  });
  return [`usage: hearth ${command.name} ${command.args.join(' ')}`.trimEnd(), '', command.summary, ...(command.details ? ['', ...command.details] : []), '', 'options:', ...options, ''].join('\n');
}

export function parse(command: Command, argv: string[]): Invocation | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help) return 'help';
  if (parsed.positionals.length !== command.args.length) throw new UsageError(`expected ${command.args.length === 0 ? 'no arguments' : command.args.join(' ')}`);
  return { values: parsed.values as Invocation['values'], positionals: parsed.positionals };
}

/** A parseArgs option spec with a help text (parseArgs ignores the extra field). */
export const describe = <T extends Options[string]>(spec: T, description: string): T => ({ ...spec, description }) as T;

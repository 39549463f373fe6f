import { AccountError } from '../auth/accounts.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { helpOf, parse, UsageError, type Command } from './command.js';
import { commands } from './commands.js';

/** `hearth <group> <command> [args] [--options]`; `--help` anywhere explains that level. */
export async function runCli(argv: string[]): Promise<number> {
  let all: Command[];
  try {
    all = commands(loadConfig({ env: process.env, cwd: process.cwd() }));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`hearth: ${error.message}\n`);
    return 2;
  }
  const words = argv.filter((arg) => !arg.startsWith('-'));
  // Names are one word (`start`) or two (`user add`); what follows them is the command's own.
  const command = all.find((candidate) => candidate.name === words.slice(0, candidate.name.split(' ').length).join(' '));
  if (!command) {
    const group = all.filter((candidate) => candidate.name.startsWith(`${words[0]} `));
    const listed = group.length > 0 ? group : all;
    const asked = argv.length === 0 || argv.includes('--help') || argv.includes('-h');
    const overview = ['usage: hearth <command> [arguments] [--help]', '', 'commands:', ...listed.map((c) => `  ${c.name.padEnd(16)}${c.summary}`), ''].join('\n');
    if (asked) {
      process.stdout.write(overview);
      return 0;
    }
    process.stderr.write(`hearth: unknown command "${words.slice(0, 2).join(' ')}"\n\n${overview}`);
    return 2;
  }
  const rest = argv.slice(argv.indexOf(command.name.split(' ').at(-1)!) + 1);
  try {
    const invocation = parse(command, rest);
    if (invocation === 'help') process.stdout.write(helpOf(command));
    else await command.run(invocation);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`hearth ${command.name}: ${error.message}\n\n${helpOf(command)}`);
      return 2;
    }
    if (error instanceof AccountError || error instanceof Error) {
      process.stderr.write(`hearth ${command.name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}


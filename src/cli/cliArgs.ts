// Flag parsing shared by every `lambda-lab` subcommand: node:util parseArgs plus the same -h/--help
// and bad-flag handling everywhere.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
const helpOption = { help: { type: 'boolean', short: 'h' } } as const;

export type ParsedCliArgs<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ options: O & typeof helpOption; allowPositionals: true; strict: true }>>;

/**
 * Parses `argv` with `options` (and -h/--help, added here). Returns the flags and positionals, or
 * the exit code when the command ends here: 0 after printing the usage for --help, 2 after saying
 * which flag is wrong. Positionals are refused unless `allowPositionals`.
 */
export function parseCliArgs<const O extends OptionsConfig>(
  command: string,
  usage: string,
  argv: string[],
  options: O,
  allowPositionals = false,
): ParsedCliArgs<O> | number {
  let parsed: ParsedCliArgs<O>;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, ...helpOption }, allowPositionals, strict: true }) as ParsedCliArgs<O>;
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).replace(/\.?$/, '.');
    process.stderr.write(`lambda-lab ${command}: ${message} Run "lambda-lab ${command} --help" for the options.\n`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage);
    return 0;
  }
  return parsed;
}

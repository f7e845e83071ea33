/**
 * The commander program. `runCli` parses arguments and returns the exit code instead of
 * exiting, so tests drive it in-process with captured output.
 */
import { Command, CommanderError } from 'commander';
import { WALCAST_VERSION } from '../envelope/version';
import { type CliIo, ExitCode, println } from './io';
import { connectPg } from './pg';
import { type RunDeps, runCommand } from './run';
import { statusCommand } from './status';
import { type ValidateDeps, validateCommand } from './validate';

export type CliDeps = ValidateDeps & RunDeps;

export async function runCli(argv: readonly string[], io: CliIo, deps: Partial<CliDeps> & Pick<CliDeps, 'signals' | 'exit'>): Promise<ExitCode> {
  const all: CliDeps = { ...deps, connect: deps.connect ?? connectPg, signals: deps.signals, exit: deps.exit };
  let code: ExitCode = ExitCode.OK;
  const program = new Command('walcast')
    .description('PostgreSQL change data capture to Kafka and NATS JetStream (Debezium-compatible envelopes)')
    .version(WALCAST_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => { io.stdout.write(s); }, writeErr: (s) => { io.stderr.write(s); } })
    .showHelpAfterError()
    .addHelpText('after', '\nEvery config key can also be set from env: WALCAST_<PATH>, e.g. WALCAST_SOURCE_URL.\nExit codes: 0 ok, 1 config or usage error, 2 runtime failure.');

  const configOption = ['-c, --config <file>', 'JSON config file (optional when everything comes from WALCAST_* env)'] as const;
  const debeziumOption = ['--debezium-properties <file>', 'Debezium Server application.properties to start from (the JSON config file and WALCAST_* env override it)'] as const;
  type Files = { config?: string; debeziumProperties?: string };
  program.command('run').description('snapshot (per snapshot.mode), then stream changes until SIGINT/SIGTERM')
    .option(...configOption).option(...debeziumOption)
    .action(async (o: Files) => { code = await runCommand({ ...o, tail: false }, io, all); });
  program.command('tail').description('stream envelopes as JSON lines to stdout, through a temporary slot of its own: no snapshot, the connector\'s slot '
    + 'untouched, the publication used as it is (it must exist); sink.type forced to stdout, HTTP off')
    .option(...configOption).option(...debeziumOption)
    .action(async (o: Files) => { code = await runCommand({ ...o, tail: true }, io, all); });
  program.command('validate').description('check the config (and with --connect the server and the broker); print every problem')
    .option(...configOption).option(...debeziumOption)
    .option('--connect', 'also connect: PostgreSQL (wal_level, plugin, privileges, tables, slot, publication) and the sink\'s broker '
      + '(Kafka or NATS, and the schema registry for Avro)', false)
    .action(async (o: Files & { connect: boolean }) => { code = await validateCommand(o, io, all); });
  program.command('status').description('show the replication slot (lag, wal_status) and the publication tables')
    .option(...configOption).option(...debeziumOption)
    .option('--json', 'print JSON', false)
    .action(async (o: Files & { json: boolean }) => { code = await statusCommand(o, io, all); });

  // The quick start's demo is an npm script of a checkout, not a command: say so instead of
  // "unknown command" (or the general help, for `walcast demo --help`).
  program.command('demo', { hidden: true }).description('the demo is `npm run demo` in a walcast checkout (a throwaway PostgreSQL, sample tables, a live workload)')
    .allowUnknownOption().allowExcessArguments()
    .action(() => {
      println(io.stderr, 'walcast: the demo is not a walcast command: run `npm run demo` in a walcast checkout (README, Quick start)');
      code = ExitCode.CONFIG;
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through exitOverride too, with exitCode 0.
      return e.exitCode === 0 ? ExitCode.OK : ExitCode.CONFIG;
    }
    println(io.stderr, `walcast: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return ExitCode.RUNTIME;
  }
}

import { Command, type CommanderError, Option } from 'commander';
import type { CommandContext, GlobalOptions } from './commands/context.js';
import { registerControlRoom } from './commands/control-room/command.js';
import { registerDeploy } from './commands/deploy/command.js';
import { registerDns } from './commands/dns/command.js';
import { registerDoctor } from './commands/doctor/command.js';
import { registerDrill } from './commands/drill/command.js';
import { registerInit } from './commands/init/command.js';
import { registerPlaybook } from './commands/playbook/command.js';
import { registerRecord } from './commands/record/command.js';
import { registerTeardown } from './commands/teardown/command.js';
import { registerTranscript } from './commands/transcript/command.js';
import { registerTrustHost } from './commands/trust-host/command.js';
import { registerUp } from './commands/up/command.js';
import { registerUser } from './commands/user/command.js';
import { registerVerify } from './commands/verify/command.js';
import { registerWatch } from './commands/watch/command.js';
import { ExitCode } from './errors.js';
import type { Output } from './ui/output.js';
import { VERSION } from './version.js';

/**
 * All argv wiring. Each command lives in src/commands/<name>/: `command.ts` declares its flags
 * (cheap to import) and loads the module that does the work only when the command runs.
 */
export function buildProgram(out: Output): Command {
  const program = new Command('matrix-oob')
    .description(
      'Disposable, out-of-band Matrix server for incident response (drives matrix-docker-ansible-deploy).',
    )
    .version(VERSION, '-V, --version')
    .addOption(
      new Option('-C, --case <dir>', 'case folder (holds matrix-oob.yml, inventory/, logs/)')
        .env('MATRIX_OOB_CASE')
        .default('.'),
    )
    .option('--json', 'machine-readable output on stdout (human logs stay on stderr)', false)
    .option('-y, --yes', 'never prompt: use flags, the config file and defaults, or fail', false)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    })
    .exitOverride((err: CommanderError) => {
      // Help and --version exit 0; every other commander error is bad usage (exit 2).
      const ok =
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help';
      throw Object.assign(err, { exitCode: ok ? ExitCode.OK : ExitCode.USAGE });
    });

  const ctx: CommandContext = {
    out,
    globals: () => program.opts<GlobalOptions>(),
  };

  // up first: it is the command a responder needs; the others are its steps.
  registerUp(program, ctx);
  registerInit(program, ctx);
  registerPlaybook(program, ctx);
  registerDoctor(program, ctx);
  registerTrustHost(program, ctx);
  registerDns(program, ctx);
  registerDeploy(program, ctx);
  registerUser(program, ctx);
  registerVerify(program, ctx);
  registerControlRoom(program, ctx);
  registerWatch(program, ctx);
  registerTeardown(program, ctx);
  registerDrill(program, ctx);
  registerRecord(program, ctx);
  registerTranscript(program, ctx);
  return program;
}

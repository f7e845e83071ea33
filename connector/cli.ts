#!/usr/bin/env -S node --max-semi-space-size=12 --max-old-space-size=1024 --heap-growing-percent=100
/**
 * `walcast run | validate | status | tail` (package.json bin). See connector/cli/program.ts.
 * The shebang's V8 heap sizing is connector/cli/memory-flags.ts's MEMORY_FLAGS (also in
 * deploy/Dockerfile's ENTRYPOINT, scripts/walcast.sh and the bench's walcast children); the
 * V8 flags it sets on itself (RUNTIME_V8_FLAGS) are set here, before anything else runs.
 */
import { watchOutputClosed } from './cli/io';
import { applyRuntimeV8Flags } from './cli/memory-flags';
import { nodeTooOld } from './cli/node-version';
import { runCli } from './cli/program';

const tooOld = nodeTooOld(process.versions.node);
if (tooOld !== null) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(1);
}

applyRuntimeV8Flags();

const stdout = watchOutputClosed(process, process.stdout);
// stderr closed too (`walcast tail 2>&1 | head`): nothing left to tell anyone.
process.stderr.on('error', () => undefined);

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }, {
  signals: stdout.signals,
  exit: (code) => process.exit(code),
}).then(
  (code) => {
    process.exitCode = code;
    // Normally the loop drains and the process ends by itself (stdout fully flushed); if some
    // handle lingers after the connector stopped, do not hang forever. unref: this timer alone
    // keeps nothing alive.
    setTimeout(() => process.exit(code), 5000).unref();
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 2;
  },
);

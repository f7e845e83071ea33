#!/usr/bin/env -S node --max-semi-space-size=16
/**
 * `walcast run | validate | status | tail` (package.json bin). See connector/cli/program.ts.
 * --max-semi-space-size=16 (also in deploy/Dockerfile's ENTRYPOINT and the bench's walcast
 * children): Node 24 sizes the young generation from the heap limit (64 MB semi-spaces on a
 * 4 GB heap); at the hot path's allocation rate that kept ~130 MB more resident than 16 MB
 * semi-spaces, at no CPU cost (measured with the Kafka client's record encoding).
 */
import { watchOutputClosed } from './cli/io';
import { runCli } from './cli/program';

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

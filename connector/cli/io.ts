/**
 * What the CLI touches of the process, injected so commands run in-process in tests:
 * output streams, env, signals, the hard exit, and the PostgreSQL connection factory.
 */
import type { EventEmitter } from 'node:events';
import { redactSecrets } from '../observe/redact';
import type { Queryable } from '../source/tables';

/** 0 ok, 1 config or usage error (or problems found by validate), 2 runtime failure. */
export const ExitCode = { OK: 0, CONFIG: 1, RUNTIME: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface Output {
  write(text: string): boolean;
}

export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export interface PgSession extends Queryable {
  end(): Promise<void>;
}

export interface CliIo {
  readonly stdout: Output & NodeJS.WritableStream;
  readonly stderr: Output & NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

/** Every line the CLI prints goes through here, so none of them can carry a credential. */
export function println(out: Output, line = ''): void {
  out.write(redactSecrets(line) + '\n');
}

/**
 * A closed stdout (`walcast tail | head -n 2`, `walcast status | head`) ends the command
 * quietly, as Unix tools do: the stream's 'error' (EPIPE, or writes after it) is handled here
 * instead of crashing the process, and run/tail are asked to stop as on SIGTERM — a graceful
 * stop that confirms only what was printed. Returns the signal source the commands should use
 * and whether the output was closed.
 */
export function watchOutputClosed(signals: SignalSource, out: EventEmitter): { signals: SignalSource; closed(): boolean } {
  const stopListeners = new Set<() => void>();
  let closed = false;
  out.on('error', () => {
    // Any error makes the stream unusable; EPIPE is the expected one. Later errors (writes
    // after it) change nothing.
    if (closed) return;
    closed = true;
    for (const l of [...stopListeners]) l();
  });
  return {
    signals: {
      on(signal, listener) { if (signal === 'SIGTERM') stopListeners.add(listener); return signals.on(signal, listener); },
      off(signal, listener) { if (signal === 'SIGTERM') stopListeners.delete(listener); return signals.off(signal, listener); },
    },
    closed: () => closed,
  };
}

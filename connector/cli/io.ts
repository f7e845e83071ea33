/**
 * What the CLI touches of the process, injected so commands run in-process in tests:
 * output streams, env, signals, the hard exit, and the PostgreSQL connection factory.
 */
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

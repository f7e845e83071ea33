import { ConnectorError } from '../connector/errors';

/**
 * CONFIG_INVALID with every problem found, one per entry (also one per line of `message`).
 * Problems never contain secrets: sensitive values are not echoed and URLs are redacted.
 */
export class ConfigError extends ConnectorError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], source?: string) {
    const head = `invalid configuration${source ? ` (${source})` : ''}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    super('CONFIG_INVALID', [head, ...problems.map((p) => `  - ${p}`)].join('\n'), {
      context: { problemCount: problems.length, ...(source ? { file: source } : {}) },
    });
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}

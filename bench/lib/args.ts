/** Command line of `npm run bench -- [--only a,b] [--rows N] [--kafka real] [--list]`. */

export interface BenchArgs {
  /** Scenario names to run; empty = all default scenarios. */
  readonly only: readonly string[];
  readonly rows: number;
  readonly list: boolean;
  /** Directory for V8 CPU profiles of the walcast child processes (--cpu-prof), or null. */
  readonly profileDir: string | null;
  /**
   * The Kafka broker of the Kafka scenarios: Apache Kafka 4. (librdkafka's mock was removed: the
   * sink's idempotent producer cannot start on it, InitProducerId v4 -> UNKNOWN_PRODUCER_ID.)
   */
  readonly kafka: 'real';
}

export const DEFAULT_ROWS = 1_000_000;

export function parseArgs(argv: readonly string[]): BenchArgs {
  const only: string[] = [];
  let rows = DEFAULT_ROWS;
  let list = false;
  let profileDir: string | null = null;
  const kafka = 'real' as const;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--only':
        only.push(...value().split(',').map((s) => s.trim()).filter((s) => s !== ''));
        break;
      case '--rows': {
        const text = value().replace(/[_,]/g, '');
        const n = /^\d+(k|m)?$/i.test(text)
          ? Number(text.replace(/[km]$/i, '')) * (/k$/i.test(text) ? 1_000 : /m$/i.test(text) ? 1_000_000 : 1)
          : NaN;
        if (!Number.isSafeInteger(n) || n < 1000) throw new Error(`--rows: want an integer >= 1000 (1000, 100k, 1m), got ${JSON.stringify(text)}`);
        rows = n;
        break;
      }
      case '--profile':
        profileDir = value();
        break;
      case '--kafka': {
        const v = value();
        if (v === 'mock') throw new Error('--kafka mock: librdkafka\'s mock was removed (the idempotent sink cannot start on it); the Kafka scenarios run on Apache Kafka');
        if (v !== 'real') throw new Error(`--kafka: want real, got ${JSON.stringify(v)}`);
        break;
      }
      case '--list':
        list = true;
        break;
      case '--help':
      case '-h':
        throw new Error('usage');
      default:
        throw new Error(`unknown argument ${JSON.stringify(a)}`);
    }
  }
  return { only, rows, list, profileDir, kafka };
}

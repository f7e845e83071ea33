/** What a scenario gets from the driver (bench/index.ts), and what it gives back. */
import type { PgServer } from '../../test/infra/postgres';
import type { ResultTable } from './table';

export interface BenchContext {
  /** Rows of the workload (--rows). */
  readonly rows: number;
  /** The throwaway cluster of this run (one for all scenarios; each uses its own database). */
  readonly pg: PgServer;
  /** Scratch directory of this run (configs, state); removed at the end. */
  readonly tmpDir: string;
  /** Kafka bootstrap `host:port` (the mock, or Apache Kafka with --kafka real), started on first use. */
  kafka(): Promise<string>;
  /** The pid of the broker kafka() started (its JVM), for CPU shares; undefined before kafka() or once it ended. */
  kafkaPid(): Promise<number | undefined>;
  /** Which Kafka kafka() starts (--kafka), for table labels. */
  readonly kafkaKind: 'mock' | 'real';
  /** nats-server -js URL, started on first use. */
  nats(): Promise<string>;
  /** Progress line on stderr (tables go to stdout). */
  progress(msg: string): void;
}

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  run(ctx: BenchContext): Promise<ResultTable[]>;
}

/**
 * heartbeat.actionQuery (Debezium heartbeat.action.query): SQL run on the source database at each
 * heartbeat, on a connection of its own (opened on first use, reopened after a failure), so that
 * a database whose captured tables are quiet still writes WAL the slot can move past, e.g.
 * `UPDATE heartbeat SET ts = now()` on a captured heartbeat table.
 *
 * One run at a time: a tick that finds the previous run still going is skipped. A failure is
 * logged once (with the error) and again only after a success in between; the stream goes on.
 */
import { Client } from 'pg';
import type { Logger } from '../observe/logger';
import { pgUrl } from '../source/pg-url';

export class HeartbeatAction {
  private client: Client | null = null;
  private running = false;
  private failing = false;
  private closed = false;

  constructor(private readonly url: string, private readonly query: string, private readonly logger: Logger, private readonly applicationName: string) {}

  /** Runs the query unless a run is in progress; never rejects. */
  async run(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    try {
      if (this.client === null) {
        const client = new Client({ connectionString: await pgUrl(this.url), application_name: this.applicationName });
        client.on('error', () => undefined); // surfaces through the awaited query
        this.client = client;
        await client.connect();
      }
      await this.client.query(this.query);
      if (this.failing) this.logger.info({}, 'heartbeat action query runs again');
      this.failing = false;
    } catch (e) {
      if (!this.failing) this.logger.warn({ err: e }, 'heartbeat action query failed; retried at each heartbeat (logged again after it succeeds once)');
      this.failing = true;
      const broken = this.client;
      this.client = null;
      await broken?.end().catch(() => undefined);
    } finally {
      this.running = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}

/**
 * The quick-start demo: a throwaway local PostgreSQL 15 with sample tables and a small live
 * workload, streamed by walcast to stdout as Debezium envelopes (one JSON line per event).
 * Logs go to stderr. Ctrl-C stops everything and removes the cluster and the connector's state
 * (kept in a temp dir, so every run starts with a snapshot). A closed stdout (`| head`) stops
 * it too.
 *
 *   node dist/scripts/demo.js [--seconds N] [--sink stdout|kafka] [--brokers host:port]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load';
import { watchOutputClosed } from '../connector/cli/io';
import { createLogger } from '../connector/observe/logger';
import { startConnector } from '../connector/pipeline/supervisor';
import { startPostgres } from '../test/infra/postgres';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

async function main(): Promise<void> {
  const seconds = Number(arg('seconds') ?? '0');
  const logger = createLogger({ level: 'info', name: 'demo' });
  logger.info({}, 'starting a throwaway PostgreSQL 15 cluster');
  const pg = await startPostgres();
  // The connector's state (snapshot done or not) lives and dies with this cluster.
  const stateDir = mkdtempSync(join(tmpdir(), 'walcast-demo-'));
  const stopPg = async (): Promise<void> => { await pg.close(); await pg.stop(); rmSync(stateDir, { recursive: true, force: true }); };
  try {
    await pg.query(`
      CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text, created_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int REFERENCES customers(id), status text NOT NULL,
                           total numeric(12,2) NOT NULL, placed_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE "Order Items" (order_id bigint, line int, sku text, qty int, PRIMARY KEY (order_id, line));
      INSERT INTO customers (name, email) SELECT 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 5) g;`);

    const config = loadConfig({
      env: process.env,
      overrides: {
        name: 'demo',
        source: { url: pg.url(), tables: ['public.*'], heartbeatMs: 1000 },
        snapshot: { mode: 'initial' },
        offsets: { stateDir },
        // "total":"7.25" rather than Debezium's precise bytes ("total":{"scale":2,"value":"Ato="}).
        envelope: { decimalHandling: 'string' },
        sink: { type: arg('sink') ?? 'stdout', kafka: { brokers: (arg('brokers') ?? '127.0.0.1:9092').split(',') } },
        http: { port: 0 },
      },
    });
    const connector = startConnector(config, { logger });
    const workload = runWorkload(pg.query.bind(pg));
    const stop = async (reason: string): Promise<void> => {
      workload.stop();
      await connector.stop(reason);
    };
    // SIGTERM here also fires when stdout's reader goes away (`npm run -s demo | head`).
    const signals = watchOutputClosed(process, process.stdout).signals;
    signals.on('SIGINT', () => void stop('SIGINT'));
    signals.on('SIGTERM', () => void stop('SIGTERM or stdout closed'));
    if (seconds > 0) setTimeout(() => void stop(`demo ran ${seconds} s`), seconds * 1000).unref();
    await connector.done;
    await workload.finished;
  } finally {
    await stopPg();
  }
}

/** Places, pays and ships orders a few times a second. */
function runWorkload(query: (sql: string, params?: unknown[]) => Promise<unknown>): { stop(): void; finished: Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: () => void = () => undefined;
  const finished = (async () => {
    let n = 0;
    while (!stopped) {
      n++;
      const customer = 1 + (n % 5);
      await query(`WITH o AS (INSERT INTO orders (customer_id, status, total) VALUES ($1, 'new', $2) RETURNING id)
                   INSERT INTO "Order Items" SELECT o.id, l, 'SKU-' || l, l FROM o, generate_series(1, 2) l`, [customer, (n * 7.25).toFixed(2)]);
      if (n % 2 === 0) await query(`UPDATE orders SET status = 'paid' WHERE id = (SELECT max(id) - 1 FROM orders)`);
      if (n % 3 === 0) await query(`UPDATE orders SET status = 'shipped' WHERE id = (SELECT min(id) FROM orders WHERE status = 'paid')`);
      if (n % 5 === 0) await query(`DELETE FROM "Order Items" WHERE order_id = (SELECT min(order_id) FROM "Order Items")`);
      await new Promise<void>((resolve) => { wake = resolve; timer = setTimeout(resolve, 500); });
    }
  })();
  return { stop: () => { stopped = true; clearTimeout(timer); wake(); }, finished };
}

main().then(
  () => process.exit(0),
  (e: unknown) => { process.stderr.write(`demo failed: ${e instanceof Error ? e.stack : String(e)}\n`); process.exit(2); },
);

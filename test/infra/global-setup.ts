import { startInfra } from './lifecycle';

// jest "integration" project globalSetup: one PostgreSQL cluster, one Apache Kafka broker and
// nats-server (when their modules exist) for the whole run; workers read them via env.ts.
export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  const infra = await startInfra();
  const services = ['pg', ...(infra.kafka ? [`kafka ${infra.kafka.bootstrap}`] : []), ...(infra.nats ? ['nats'] : [])];
  process.stderr.write(
    `\n[walcast infra] started ${services.join(', ')} in ${Date.now() - t0} ms; pg on 127.0.0.1:${infra.pg.port}\n`,
  );
}

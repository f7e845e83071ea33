/**
 * deploy/docker-compose.yml as Compose reads it: services, restart policies, healthchecks,
 * start order, Kafka's listeners (host clients on the published port, containers on the
 * internal one), and the tables walcast's compose config names against the seed SQL. The seed
 * and the config are also run against the real PostgreSQL in test/integration/deploy/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../config/load';
import { topicName } from '../../../connector/model/topic';
import {
  composeFile, composeWalcastConfig, DEPLOY, dockerfileStages, kafkaListenerMap, publishedPorts, seedSqlFile,
  tablesCreatedBy, tablesInExamples, volumeMounts, type ComposeService,
} from '../../support/deploy-files';

const compose = composeFile();
const services = compose.services;
const svc = (name: string): ComposeService => {
  const s = services[name];
  if (!s) throw new Error(`compose has no service ${name}`);
  return s;
};
const env = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(svc(name).environment ?? {}).map(([k, v]) => [k, String(v)]));
const healthTest = (name: string): string => [svc(name).healthcheck?.test ?? []].flat().join(' ');

// The image's CMD names the config file; compose mounts the file there.
const imageCmd = dockerfileStages().at(-1)!.instructions.filter((i) => i.keyword === 'CMD').at(-1)!.exec!;
const configPath = imageCmd[imageCmd.indexOf('--config') + 1]!;
const walcastConfig = () => {
  const { file, env: walcastEnv } = composeWalcastConfig(compose, configPath);
  return loadConfig({ file, env: walcastEnv });
};

test('runs PostgreSQL, Kafka, NATS, walcast and a console consumer', () => {
  expect(Object.keys(services).sort()).toEqual(['console', 'kafka', 'nats', 'postgres', 'walcast']);
  expect(svc('kafka').image).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
  expect(svc('console').image).toBe(svc('kafka').image);
  expect(svc('walcast').build).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
});

test.each(['postgres', 'kafka', 'nats', 'walcast', 'console'])('%s restarts by itself and has a healthcheck', (name) => {
  expect(['always', 'unless-stopped', 'on-failure']).toContain(svc(name).restart);
  const hc = svc(name).healthcheck;
  expect(hc).toBeDefined();
  expect([hc!.test].flat()[0]).toMatch(/^CMD(-SHELL)?$/);
  expect([hc!.test].flat().length).toBeGreaterThan(1);
  expect(hc!.interval).toMatch(/^\d+s$/);
  expect(hc!.timeout).toMatch(/^\d+s$/);
  expect(hc!.retries).toBeGreaterThan(0);
});

test('walcast gets time for its graceful stop (a 30 s drain) before compose kills it', () => {
  const grace = (services.walcast as { stop_grace_period?: string }).stop_grace_period;
  expect(grace).toMatch(/^\d+s$/);
  expect(Number.parseInt(grace!, 10)).toBeGreaterThanOrEqual(45);
});

test('walcast starts once the database, the brokers are healthy; the console once walcast streams', () => {
  expect(svc('walcast').depends_on).toEqual({
    postgres: { condition: 'service_healthy' },
    kafka: { condition: 'service_healthy' },
    nats: { condition: 'service_healthy' },
  });
  expect(svc('console').depends_on).toEqual({
    kafka: { condition: 'service_healthy' },
    walcast: { condition: 'service_healthy' },
  });
  // Compose's healthy walcast means ready (streaming, broker reachable): topics exist by then.
  expect(healthTest('walcast')).toContain('http://127.0.0.1:8083/health/ready');
});

describe('kafka', () => {
  const k = env('kafka');
  const listeners = kafkaListenerMap(k.KAFKA_LISTENERS);
  const advertised = kafkaListenerMap(k.KAFKA_ADVERTISED_LISTENERS);
  const protocols = new Map(k.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP!.split(',').map((p) => p.split(':') as [string, string]));
  const controller = k.KAFKA_CONTROLLER_LISTENER_NAMES!;
  const hostName = svc('kafka').hostname ?? 'kafka';
  /** The listener containers use: advertised under the service's own name. */
  const internal = [...advertised].find(([, a]) => a.host === hostName);

  test('runs in KRaft mode, broker and controller in one node', () => {
    expect(k.KAFKA_PROCESS_ROLES!.split(',').sort()).toEqual(['broker', 'controller']);
    expect(Object.keys(k).filter((n) => n.includes('ZOOKEEPER'))).toEqual([]);
    expect(k.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${k.KAFKA_NODE_ID}@${hostName}:${listeners.get(controller)?.port}`);
    expect(k.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Number(k.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR)).toBe(1);
    expect(Number(k.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR)).toBe(1);
  });

  test('every listener has a protocol; every broker listener is advertised, the controller is not', () => {
    for (const name of listeners.keys()) expect({ name, protocol: protocols.get(name) }).toEqual({ name, protocol: 'PLAINTEXT' });
    expect([...advertised.keys()].sort()).toEqual([...listeners.keys()].filter((n) => n !== controller).sort());
    for (const [name, a] of advertised) expect({ name, port: a.port }).toEqual({ name, port: listeners.get(name)!.port });
    expect(advertised.has(k.KAFKA_INTER_BROKER_LISTENER_NAME!)).toBe(true);
  });

  test('host clients: each published port reaches a listener advertised as localhost on that same host port', () => {
    const published = publishedPorts(svc('kafka'));
    expect(published.length).toBeGreaterThan(0);
    for (const { host, container } of published) {
      const [name, addr] = [...advertised].find(([n]) => listeners.get(n)!.port === container) ?? [];
      expect({ container, name, addr }).toEqual({ container, name: expect.any(String), addr: { host: expect.stringMatching(/^(localhost|127\.0\.0\.1)$/), port: host } });
    }
    expect(published.map((p) => p.container)).not.toContain(listeners.get(controller)!.port);
  });

  test('containers (walcast, the console, the healthchecks) use the internal listener', () => {
    expect(internal).toBeDefined();
    const bootstrap = `${hostName}:${internal![1].port}`;
    expect(publishedPorts(svc('kafka')).map((p) => p.container)).not.toContain(internal![1].port);
    expect(walcastConfig().sink.kafka.brokers).toEqual([bootstrap]);
    const cmd = svc('console').command!;
    expect(cmd[cmd.indexOf('--bootstrap-server') + 1]).toBe(bootstrap);
    expect(healthTest('kafka')).toContain(`--bootstrap-server ${bootstrap}`);
    expect(healthTest('console')).toContain(`--bootstrap-server ${bootstrap}`);
  });
});

test('the console consumer prints every topic walcast writes, and only those', () => {
  const cmd = svc('console').command!;
  expect(svc('console').entrypoint).toEqual(['/opt/kafka/bin/kafka-console-consumer.sh']);
  const include = new RegExp(`^(?:${cmd[cmd.indexOf('--include') + 1]})$`);
  const config = walcastConfig();
  const topics = config.source.tables.map((t) => {
    const [schema, table] = t.split('.');
    return topicName(config.topicPrefix, schema!, table!);
  });
  for (const topic of topics) expect({ topic, printed: include.test(topic) }).toEqual({ topic, printed: true });
  expect(include.test('__consumer_offsets')).toBe(false);
  expect(include.test('other.public.orders')).toBe(false);
  expect(cmd).toContain('--from-beginning');
  // The healthcheck asks for the group the consumer joins.
  expect(healthTest('console')).toContain(`--group ${cmd[cmd.indexOf('--group') + 1]}`);
});

describe('postgres', () => {
  const pg = svc('postgres');
  test('has logical decoding on and replication slots and senders for walcast', () => {
    const cmd = pg.command!.join(' ');
    expect(cmd).toMatch(/-c wal_level=logical\b/);
    expect(Number(/max_replication_slots=(\d+)/.exec(cmd)?.[1])).toBeGreaterThan(0);
    expect(Number(/max_wal_senders=(\d+)/.exec(cmd)?.[1])).toBeGreaterThan(0);
  });

  test('is healthy only once the seeded server listens on TCP (not the init scripts\' socket-only server)', () => {
    expect(healthTest('postgres')).toMatch(/pg_isready .*-h 127\.0\.0\.1/);
  });

  test('walcast connects to it as its user, to its database', () => {
    const url = new URL(env('walcast').WALCAST_SOURCE_URL!);
    const e = env('postgres');
    expect({ host: url.hostname, port: url.port, user: url.username, password: url.password, db: url.pathname.slice(1) })
      .toEqual({ host: 'postgres', port: '5432', user: e.POSTGRES_USER, password: e.POSTGRES_PASSWORD, db: e.POSTGRES_DB });
  });
});

test('every table walcast is configured for, and every table the comments insert into, is created by the seed', () => {
  const seed = readFileSync(seedSqlFile(compose), 'utf8');
  const created = new Set(tablesCreatedBy(seed));
  const config = walcastConfig();
  // Exact names: a wildcard would match an empty database and prove nothing.
  expect(config.source.tables.filter((t) => t.includes('*'))).toEqual([]);
  expect(config.source.tables.length).toBeGreaterThan(0);
  const examples = tablesInExamples(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8') + seed);
  expect(examples.length).toBeGreaterThan(0);
  for (const table of [...config.source.tables, ...examples]) {
    expect({ table, created: created.has(table) }).toEqual({ table, created: true });
  }
});

test('walcast keeps its state on a named volume at the image\'s state directory and serves HTTP on the published port', () => {
  const w = svc('walcast');
  const state = volumeMounts(w).find((v) => v.target === '/var/lib/walcast');
  expect(state).toMatchObject({ named: true, readOnly: false });
  expect(Object.keys(compose.volumes ?? {})).toContain(state!.source);
  const port = walcastConfig().http.port;
  expect(publishedPorts(w)).toContainEqual({ host: port, container: port });
  expect(volumeMounts(w).find((v) => v.target === configPath)).toMatchObject({ named: false, readOnly: true });
});

test('WALCAST_SINK_TYPE switches the sink; Kafka by default', () => {
  expect(walcastConfig().sink.type).toBe('kafka');
  const nats = composeFile({ WALCAST_SINK_TYPE: 'nats' });
  const { file, env: natsEnv } = composeWalcastConfig(nats, configPath);
  const config = loadConfig({ file, env: natsEnv });
  expect(config.sink.type).toBe('nats');
  expect(config.sink.nats.servers).toEqual([`nats:${publishedPorts(svc('nats'))[0]!.container}`]);
});

test('every named volume a service mounts is declared', () => {
  for (const [name, s] of Object.entries(services)) {
    for (const v of volumeMounts(s).filter((m) => m.named)) {
      expect({ service: name, volume: v.source, declared: Object.keys(compose.volumes ?? {}).includes(v.source) })
        .toEqual({ service: name, volume: v.source, declared: true });
    }
  }
});

import { ConfigError } from '../../../config/config-error';
import { loadConfig } from '../../../config/load';
import { mapDebeziumProperties } from '../../../config/debezium-properties';
import { parseProperties } from '../../../config/java-properties';

const base = { name: 'shop', source: { url: 'postgres://u@h/db' } };

function problems(overrides: Record<string, unknown>): string[] {
  try {
    loadConfig({ env: {}, overrides: { ...base, ...overrides } });
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
}

describe('heartbeat and envelope metadata config', () => {
  it('accepts heartbeats with an action query, transaction metadata and schemas', () => {
    const c = loadConfig({ env: {}, overrides: { ...base, heartbeat: { intervalMs: 5000, actionQuery: 'UPDATE hb SET ts = now()' }, envelope: { schemas: true, transactionMetadata: true } } });
    expect(c.heartbeat).toEqual({ intervalMs: 5000, topicPrefix: '__debezium-heartbeat', actionQuery: 'UPDATE hb SET ts = now()' });
    expect(c.envelope).toMatchObject({ schemas: true, transactionMetadata: true });
  });

  it('reports every heartbeat problem at once', () => {
    expect(problems({ heartbeat: { intervalMs: -1, topicPrefix: 'bad prefix', actionQuery: 'SELECT 1' } })).toEqual([
      'heartbeat.intervalMs: must be between 0 and 86400000, got -1',
      'heartbeat.topicPrefix: must be dot-separated tokens of letters, digits, _ and -, got "bad prefix"',
      'heartbeat.actionQuery: runs at each heartbeat; set heartbeat.intervalMs too',
    ]);
  });

  it('refuses heartbeats into a NATS stream walcast creates (its subjects do not cover the heartbeat subject)', () => {
    expect(problems({ heartbeat: { intervalMs: 1000 }, sink: { type: 'nats' } })).toEqual([expect.stringMatching(/^heartbeat\.intervalMs: the heartbeat subject/)]);
    expect(problems({ heartbeat: { intervalMs: 1000 }, sink: { type: 'nats', nats: { createStream: false } } })).toEqual([]);
  });

  it('maps the Debezium properties', () => {
    const m = mapDebeziumProperties(parseProperties([
      'debezium.source.provide.transaction.metadata=true', 'debezium.source.heartbeat.interval.ms=10000',
      'debezium.source.topic.heartbeat.prefix=hb', 'debezium.source.heartbeat.action.query=UPDATE hb SET ts = now()',
      'debezium.format.value.schemas.enable=false', 'debezium.format.key.schemas.enable=false',
    ].join('\n')));
    expect(m.problems).toEqual([]);
    expect(m.ignored).toEqual([]);
    expect(m.config).toMatchObject({
      envelope: { transactionMetadata: true, schemas: false },
      heartbeat: { intervalMs: 10000, topicPrefix: 'hb', actionQuery: 'UPDATE hb SET ts = now()' },
    });
    expect(mapDebeziumProperties(parseProperties('debezium.format.schemas.enable=false')).config).toMatchObject({ envelope: { schemas: false } });
    expect(mapDebeziumProperties(parseProperties('debezium.format.value.schemas.enable=true\ndebezium.format.key.schemas.enable=false')).problems)
      .toEqual([expect.stringMatching(/^schemas\.enable: keys get debezium\.format\.key\.schemas\.enable=false, values debezium\.format\.value\.schemas\.enable=true; .*give both sides the same value/)]);
    // Per side, as Debezium Server hands them to its converters: the value's setting alone leaves
    // the key at the converter's default (true), so keys would keep their schemas: a problem.
    expect(mapDebeziumProperties(parseProperties('debezium.format.value.schemas.enable=false')).problems)
      .toEqual([expect.stringMatching(/^schemas\.enable: keys get true \(the converter's default\), values debezium\.format\.value\.schemas\.enable=false/)]);
    expect(mapDebeziumProperties(parseProperties('debezium.format.schemas.enable=false\ndebezium.format.key.schemas.enable=true')).problems)
      .toEqual([expect.stringMatching(/^schemas\.enable: keys get debezium\.format\.key\.schemas\.enable=true, values false \(debezium\.format\.schemas\.enable\)/)]);
    // Kafka Connect's spelling counts (it was ignored, leaving schemas on).
    const connect = mapDebeziumProperties(parseProperties('key.converter.schemas.enable=false\nvalue.converter.schemas.enable=false'));
    expect([connect.problems, connect.ignored, connect.config.envelope]).toMatchObject([[], [], { schemas: false }]);
    // JsonConverter replace.null.with.default, both spellings; absent: walcast's default (true) is kept.
    expect(mapDebeziumProperties(parseProperties('debezium.format.value.replace.null.with.default=false\ndebezium.format.key.replace.null.with.default=false')).config)
      .toMatchObject({ envelope: { replaceNullWithDefault: false } });
    expect(mapDebeziumProperties(parseProperties('value.converter.replace.null.with.default=false\nkey.converter.replace.null.with.default=false')).config)
      .toMatchObject({ envelope: { replaceNullWithDefault: false } });
    expect(mapDebeziumProperties(parseProperties('debezium.format.replace.null.with.default=false')).config).toMatchObject({ envelope: { replaceNullWithDefault: false } });
    expect(mapDebeziumProperties(parseProperties('debezium.format.schemas.enable=false')).config.envelope).not.toHaveProperty('replaceNullWithDefault');
    expect(mapDebeziumProperties(parseProperties('value.converter.replace.null.with.default=false\nkey.converter.replace.null.with.default=true')).problems)
      .toEqual([expect.stringMatching(/^replace\.null\.with\.default: keys get key\.converter\.replace\.null\.with\.default=true, values value\.converter\.replace\.null\.with\.default=false; .*give both sides the same value/)]);
    expect(mapDebeziumProperties(parseProperties('debezium.format.replace.null.with.default=maybe')).problems)
      .toEqual(['debezium.format.replace.null.with.default: "maybe" must be true or false']);
    expect(mapDebeziumProperties(parseProperties('debezium.source.heartbeat.interval.ms=soon')).problems)
      .toEqual(['debezium.source.heartbeat.interval.ms: "soon" must be a number of milliseconds']);
  });
});

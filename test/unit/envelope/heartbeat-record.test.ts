import { HeartbeatRecords } from '../../../connector/envelope/heartbeat-record';

describe('HeartbeatRecords', () => {
  it('writes Debezium\'s heartbeat: topic <heartbeat prefix>.<topic prefix>, key serverName, value ts_ms', () => {
    const r = new HeartbeatRecords('__debezium-heartbeat', 'shop.prod', false).record(1700000000123);
    expect(r.topic).toBe('__debezium-heartbeat.shop.prod');
    expect(r.key!.toString()).toBe('{"serverName":"shop.prod"}');
    expect(r.value!.toString()).toBe('{"ts_ms":1700000000123}');
    expect(r.id).toBe('heartbeat:1700000000123');
  });

  it('with schemas: ServerNameKey and Heartbeat', () => {
    const r = new HeartbeatRecords('hb', 'shop', true).record(5);
    expect(JSON.parse(r.key!.toString())).toEqual({
      schema: { type: 'struct', fields: [{ type: 'string', optional: false, field: 'serverName' }], optional: false, name: 'io.debezium.connector.common.ServerNameKey', version: 1 },
      payload: { serverName: 'shop' },
    });
    expect(JSON.parse(r.value!.toString())).toEqual({
      schema: { type: 'struct', fields: [{ type: 'int64', optional: false, field: 'ts_ms' }], optional: false, name: 'io.debezium.connector.common.Heartbeat', version: 1 },
      payload: { ts_ms: 5 },
    });
  });
});

import type { DataEvent, Relation } from '../../../connector/model/change';
import { createMetrics } from '../../../connector/observe/metrics';
import { EventTally } from '../../../connector/pipeline/event-tally';
import type { Lsn } from '../../../connector/protocol/lsn';

const rel = (schema: string, table: string): Relation => ({ oid: 1, schema, table, replicaIdentity: 'default', columns: [] });

describe('EventTally', () => {
  it('counts change events by table and op, once per change, and starts over after a flush', async () => {
    const orders = rel('public', 'orders');
    const items = rel('public', 'Order Items');
    const lsn = 1n as Lsn;
    const events: DataEvent[] = [
      { kind: 'insert', lsn, relation: orders, after: [] },
      { kind: 'insert', lsn, relation: orders, after: [] },
      { kind: 'update', lsn, relation: orders, before: null, beforeIsKeyOnly: false, after: [] },
      { kind: 'delete', lsn, relation: items, before: [], beforeIsKeyOnly: true },
      { kind: 'truncate', lsn, relations: [orders, items], cascade: false, restartIdentity: false },
      { kind: 'message', lsn, transactional: true, prefix: 'p', content: Buffer.from('x') },
    ];
    const tally = new EventTally();
    for (const ev of events) tally.add(ev);
    const metrics = createMetrics();
    tally.flush(metrics);
    tally.flush(metrics); // nothing new: no double count
    const text = await metrics.render();
    const count = (table: string, op: string): string | undefined =>
      text.split('\n').find((l) => l.startsWith(`walcast_events_total{table="${table}",op="${op}",phase="stream"}`))?.split(' ').pop();
    expect(count('public.orders', 'c')).toBe('2');
    expect(count('public.orders', 'u')).toBe('1');
    expect(count('public.orders', 't')).toBe('1');
    expect(count('public.Order Items', 'd')).toBe('1'); // displayName: quoted only when . * or " would mislead
    expect(count('public.Order Items', 't')).toBe('1');
    expect(count('', 'm')).toBe('1');
  });
});

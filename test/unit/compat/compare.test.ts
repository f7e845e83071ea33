/**
 * The comparison suite's differ: if it called different things equal, the suite would pass
 * for nothing. Hand-written records, walcast on the left, Debezium on the right.
 */
import { compareOutputs, parseLossless, type PeerOutput } from '../../integration/compat/compare';

function rec(topic: string, key: string, value: string, headers: Record<string, unknown> = {}): PeerOutput {
  return { topic, key: JSON.parse(key) as unknown, value: JSON.parse(value) as unknown, headers, raw: `{"topic":"${topic}","key":${key},"value":${value}}` };
}

const SRC = (lsn: number, extra = '') =>
  `{"version":"V","name":"p","ts_ms":1,"snapshot":"false","ts_us":2,"lsn":${lsn},"txId":7${extra}}`;
const change = (after: string, lsn = 100, op = 'c', extra = '') =>
  `{"before":null,"after":${after},"source":${SRC(lsn, extra)},"op":"${op}","ts_ms":5}`;

describe('compareOutputs', () => {
  test('identical records match and every compared leaf is counted', () => {
    const r = rec('p.public.t', '{"id":1}', change('{"id":1,"x":3.0}'));
    const result = compareOutputs([r], [r]);
    expect(result.differences).toEqual([]);
    expect(result.matched).toBeGreaterThan(5);
  });

  test('number text matters: 3 is not 3.0; int8 keeps its digits', () => {
    const w = rec('p.public.t', '{"id":1}', change('{"id":1,"x":3,"big":9223372036854775807}'));
    const d = rec('p.public.t', '{"id":1}', change('{"id":1,"x":3.0,"big":9223372036854775806}'));
    const paths = compareOutputs([w], [d]).differences.map((x) => x.path);
    expect(paths).toEqual(['value.after.x', 'value.after.big']);
  });

  test('member order is compared', () => {
    const w = rec('p.public.t', '{"id":1}', change('{"x":1,"id":1}'));
    const d = rec('p.public.t', '{"id":1}', change('{"id":1,"x":1}'));
    expect(compareOutputs([w], [d]).differences.map((x) => x.path)).toEqual(['value.after:order']);
  });

  test('clocks and version are not compared; a streaming lsn and txId are', () => {
    const w = rec('p.public.t', '{"id":1}', change('{"id":1}', 100).replace('"ts_ms":5', '"ts_ms":6').replace('"V"', '"W"'));
    const d = rec('p.public.t', '{"id":1}', change('{"id":1}', 101));
    expect(compareOutputs([w], [d]).differences.map((x) => x.path)).toEqual(['value.source.lsn']);
  });

  test('a snapshot row may have its own position but not its own values', () => {
    const w = rec('p.public.t', '{"id":1}', change('{"id":1,"v":"a"}', 100, 'r').replace('"txId":7', '"txId":8'));
    const d = rec('p.public.t', '{"id":1}', change('{"id":1,"v":"b"}', 200, 'r'));
    expect(compareOutputs([w], [d]).differences.map((x) => x.path)).toEqual(['value.after.v']);
  });

  test('missing and extra fields and records are differences', () => {
    const w = rec('p.public.t', '{"id":1}', change('{"id":1}'));
    const d = rec('p.public.t', '{"id":1}', change('{"id":1}', 100, 'c', ',"origin":null'));
    const extra = rec('p.public.t', '{"id":2}', change('{"id":2}'));
    const diffs = compareOutputs([w], [d, extra]).differences;
    expect(diffs.map((x) => [x.path, x.walcast])).toEqual([['value.source.origin', '(absent)'], ['record', '(absent)']]);
  });

  test('key-change headers are compared; walcast sends JSON text, Debezium the struct', () => {
    const w = rec('p.public.t', '{"id":1}', change('{"id":1}'), { '__debezium.newkey': '{"id":2}', op: 'd' });
    const d = rec('p.public.t', '{"id":1}', change('{"id":1}'), { '__debezium.newkey': { id: 3 }, '__debezium.context.taskId': '0' });
    expect(compareOutputs([w], [d]).differences.map((x) => x.path)).toEqual(['headers.__debezium.newkey.id']);
  });

  test('parseLossless keeps number text', () => {
    expect(JSON.stringify(parseLossless('{"a":1.0E-5}'), (_k, v: unknown) => (typeof v === 'object' && v !== null && 'text' in v ? (v as { text: string }).text : v)))
      .toBe('{"a":"1.0E-5"}');
  });
});

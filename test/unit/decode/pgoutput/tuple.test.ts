import { readTupleData } from '../../../../connector/decode/pgoutput/tuple';
import { UNCHANGED_TOAST, type TextValue } from '../../../../connector/model/change';
import { BufferReader } from '../../../../connector/protocol/reader';
import { caught } from '../../../support/caught';

/** A column as the server sends it: text bytes, NULL or an unchanged TOAST value. */
type Col = Buffer | null | typeof UNCHANGED_TOAST;

/** TupleData bytes of `cols`, built by hand from the protocol's layout. */
function tupleBytes(cols: readonly Col[]): Buffer {
  const parts: Buffer[] = [Buffer.from([cols.length >> 8, cols.length & 0xff])];
  for (const c of cols) {
    if (c === null) parts.push(Buffer.from('n'));
    else if (c === UNCHANGED_TOAST) parts.push(Buffer.from('u'));
    else {
      const head = Buffer.alloc(5);
      head[0] = 0x74; // 't'
      head.writeInt32BE(c.length, 1);
      parts.push(head, c);
    }
  }
  return Buffer.concat(parts);
}

/** What each column must read as: its bytes decoded as UTF-8 on their own. */
const expected = (cols: readonly Col[]): TextValue[] => cols.map((c) => (c === null || c === UNCHANGED_TOAST ? c : c.toString('utf8')));

/** Reads one tuple placed between other bytes, and checks the reader stopped right after it. */
function read(cols: readonly Col[]): TextValue[] {
  const before = Buffer.from([0xff, 0x80, 0x00]);
  const after = Buffer.from('N\u00e9', 'utf8');
  const buf = Buffer.concat([before, tupleBytes(cols), after]);
  const r = new BufferReader(buf, before.length);
  const values = readTupleData(r);
  expect(r.remaining).toBe(after.length);
  return values;
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('readTupleData', () => {
  it.each([
    ['ASCII values', [text('42'), text('name-1'), text('1234.56'), text('2024-02-29 13:14:15.123456+00'), text('x'.repeat(70))]],
    ['NULL and unchanged TOAST between values', [null, text('a'), UNCHANGED_TOAST, text(''), null, text('b')]],
    ['only NULL and TOAST', [null, UNCHANGED_TOAST, null]],
    ['no columns', []],
    ['empty strings only', [text(''), text('')]],
    ['a multi-byte character', [text('1'), text('caf\u00e9'), text('z')]],
    ['an emoji (a surrogate pair in JS)', [text('\u{1f600}'), text('plain')]],
    // A length byte of 128 or more is not ASCII: the span check must not be fooled by it, nor by one that is.
    ['a 200-byte value', [text('a'.repeat(200)), text('b')]],
    ['a 256-byte value (its length bytes are ASCII)', [text('k'), text('c'.repeat(256)), text('d')]],
    ['a 40,000-byte value', [text('e'.repeat(40_000))]],
    ['values spanning more than 64 KiB (decoded one by one)', [text('f'.repeat(40_000)), null, text('g'.repeat(40_000)), text('h\u00e9')]],
    ['control characters and quotes', [text('tab\there'), text('"q"\\'), text('\u0000nul')]],
    ['bytes that are not UTF-8 (decoded with replacement characters, as before)', [Buffer.from([0x61, 0xc3]), Buffer.from([0xff, 0xfe, 0x62])]],
  ])('reads %s as each value decoded alone', (_name, cols) => {
    expect(read(cols as Col[])).toEqual(expected(cols as Col[]));
  });

  it('agrees with decoding each value alone over random tuples', () => {
    // A fixed-seed generator: the same cases on every run.
    let seed = 12345;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '\t', '\u00e9', '\u20ac', '\u{1f600}', '\u007f'];
    for (let c = 0; c < 2000; c++) {
      const cols: Col[] = [];
      const n = next(8);
      for (let i = 0; i < n; i++) {
        const k = next(10);
        if (k === 0) cols.push(null);
        else if (k === 1) cols.push(UNCHANGED_TOAST);
        else {
          let s = '';
          const len = next(4) === 0 ? 100 + next(200) : next(20);
          for (let j = 0; j < len; j++) s += next(3) === 0 ? alphabet[next(alphabet.length)] : 'abcdefghij'[next(10)];
          cols.push(text(s));
        }
      }
      expect(read(cols)).toEqual(expected(cols));
    }
  });

  it('reads two tuples back to back (an update: old row, then new)', () => {
    const buf = Buffer.concat([tupleBytes([text('1'), text('old')]), Buffer.from('N'), tupleBytes([text('1'), text('n\u00e9w')])]);
    const r = new BufferReader(buf);
    expect(readTupleData(r)).toEqual(['1', 'old']);
    expect(r.uint8()).toBe(0x4e);
    expect(readTupleData(r)).toEqual(['1', 'n\u00e9w']);
    expect(r.remaining).toBe(0);
  });

  it('refuses binary columns, unknown kinds, negative lengths and short data', () => {
    const binary = Buffer.concat([tupleBytes([text('1')]).subarray(0, 2), Buffer.from('b'), Buffer.from([0, 0, 0, 0])]);
    expect(caught(() => readTupleData(new BufferReader(binary))).message).toMatch(/binary-format column 0/);
    expect(caught(() => readTupleData(new BufferReader(Buffer.from([0, 1, 0x78])))).message).toMatch(/unknown TupleData column kind 0x78 at column 0/);
    expect(caught(() => readTupleData(new BufferReader(Buffer.from([0, 1, 0x74, 0xff, 0xff, 0xff, 0xfe])))).message).toMatch(/negative length -2/);
    const short = tupleBytes([text('abcdef')]);
    expect(caught(() => readTupleData(new BufferReader(short.subarray(0, short.length - 1)))).message).toMatch(/message too short/);
    expect(caught(() => readTupleData(new BufferReader(Buffer.from([0, 2, 0x6e])))).message).toMatch(/message too short/);
  });

  it('reads a tuple wider than the scratch space it started with', () => {
    const cols = Array.from({ length: 1600 }, (_, i) => (i % 7 === 0 ? null : text(String(i))));
    expect(read(cols)).toEqual(expected(cols));
    expect(read([text('after'), null])).toEqual(['after', null]);
  });
});

/**
 * ByteSlab: records written as bytes into a shared area and handed out as views. The views must
 * keep their bytes when later records move the writing to a new slab, an unfinished record must
 * not leak into the next, and every writer must produce what Buffer.from would.
 */
import { ByteSlab } from '../../../connector/envelope/fast/byte-slab';

const record = (out: ByteSlab, s: string): Buffer => {
  out.begin();
  out.text(s);
  return out.end();
};

test('views handed out keep their bytes while later records fill and outgrow slabs', () => {
  const out = new ByteSlab();
  const written: [Buffer, string][] = [];
  // ~1.5 MB over 64 KB slabs, with records that straddle a slab end and some bigger than a slab.
  for (let i = 0; i < 3000; i++) {
    const s = `${i}:` + 'abcdefghij'.repeat(i % 97) + (i % 500 === 0 ? 'z'.repeat(100_000) : '');
    written.push([record(out, s), s]);
  }
  for (const [view, s] of written) expect(view.toString('utf8')).toBe(s);
});

test('a record moved to a new slab mid-way keeps the part written before the move', () => {
  const out = new ByteSlab();
  record(out, 'x'.repeat(65_000)); // leaves about 500 bytes of the first slab
  out.begin();
  out.text('head-');
  out.bytes(Buffer.from('y'.repeat(2000)));
  out.byte(0x2d);
  out.uint(12345);
  expect(out.end().toString('latin1')).toBe('head-' + 'y'.repeat(2000) + '-12345');
});

test('begin() drops what an unfinished record wrote', () => {
  const out = new ByteSlab();
  const first = record(out, 'first');
  out.begin();
  out.text('half of a record whose converter threw');
  const next = record(out, 'next');
  expect(next.toString()).toBe('next');
  expect(first.toString()).toBe('first');
});

test('key and value of one record are two views, one after the other', () => {
  const out = new ByteSlab();
  out.begin();
  out.text('{"id":1}');
  const key = out.end();
  out.text('{"after":{}}');
  const value = out.end();
  expect([key.toString(), value.toString()]).toEqual(['{"id":1}', '{"after":{}}']);
});

test.each([
  '', 'ascii', 'é', 'ünï 😀 \u0001', '\ud800 lone', 'x'.repeat(47) + 'é', 'x'.repeat(48) + 'é', 'ü'.repeat(300), '😀'.repeat(100),
])('text(%j) is its UTF-8, as Buffer.from writes it', (s) => {
  expect(record(new ByteSlab(), s).equals(Buffer.from(s, 'utf8'))).toBe(true);
});

test('uint writes the decimal digits of safe integers', () => {
  const out = new ByteSlab();
  for (const v of [0, 7, 9, 10, 99, 100, 4294967295, 4294967296, 24023128, Number.MAX_SAFE_INTEGER]) {
    out.begin();
    out.uint(v);
    expect(out.end().toString('latin1')).toBe(String(v));
  }
});

test('prefix copies the head of an array', () => {
  const out = new ByteSlab();
  out.begin();
  out.prefix(Uint8Array.from([0x41, 0x42, 0x43, 0x44]), 3);
  expect(out.end().toString('latin1')).toBe('ABC');
});

test('place copies ASCII for an in-place rewrite; only advanceTo makes it written', () => {
  const out = new ByteSlab();
  out.begin();
  out.text('<');
  const at = out.place('abc', 2, 1);
  expect(at).toBeGreaterThanOrEqual(0);
  out.area[at - 2] = 0x5b; // [
  out.area[at - 1] = 0x28; // (
  out.area[at + 3] = 0x5d; // ]
  out.advanceTo(at + 4);
  // Not ASCII: -1, and nothing written (the next text follows '<(abc]' directly).
  expect(out.place('caf\u00e9', 0, 0)).toBe(-1);
  expect(out.place('\ud800', 0, 0)).toBe(-1);
  out.text('>');
  expect(out.end().toString('latin1')).toBe('<[(abc]>');
});

test('place near the end of a slab moves the record first, so a non-ASCII string is never cut to n bytes', () => {
  // 'é' + 39 x 'a' + '€': 41 characters, 44 UTF-8 bytes; its first 40 characters are 41 bytes.
  // Cut by the end of a slab after 41 bytes, the copy would stop before the '€' and count 41.
  const s = '\u00e9' + 'a'.repeat(39) + '\u20ac';
  for (let left = 38; left <= 46; left++) {
    const out = new ByteSlab();
    // bytes() fills the first 64 KB slab up to `left` bytes from its end (text() would reserve
    // 3 bytes per character and start a new slab).
    out.begin();
    out.bytes(Buffer.alloc(65_536 - left, 0x78));
    out.end();
    out.begin();
    expect([left, out.place(s, 0, 0)]).toEqual([left, -1]);
    expect([left, out.quotedAscii(s)]).toEqual([left, false]);
    out.text('k');
    expect(out.end().toString()).toBe('k');
  }
});

test('quotedAscii writes what JSON.stringify writes for clean ASCII, and nothing (false) for anything it would escape or is not ASCII', () => {
  const out = new ByteSlab();
  const short = ['', 'customer-42', 'a"b', 'a\\b', 'tab\there', 'nl\n', '\u001f', 'caf\u00e9', '\u{1f600}', 'ok\u007f', '\ud800'];
  // Past 40 characters quotedAscii copies first and checks the bytes: the same cases there, at
  // the start and at the end of the string, and the limits.
  const pad = 'x'.repeat(45);
  const cases = [...short, ...short.map((c) => pad + c), ...short.map((c) => c + pad), 'y'.repeat(40), 'y'.repeat(41), 'x'.repeat(256), 'x'.repeat(257)];
  for (const s of cases) {
    out.begin();
    out.text('<');
    const wrote = out.quotedAscii(s);
    out.text('>');
    const text = out.end().toString('utf8');
    const clean = s.length <= 256 && /^[\u0020-\u007f]*$/.test(s) && !/["\\]/.test(s);
    expect([s, wrote]).toEqual([s, clean]);
    // Written: exactly the JSON string; refused: nothing between the two markers.
    expect(text).toBe(clean ? `<${JSON.stringify(s)}>` : '<>');
  }
});

test('quotedAscii refused after a move to a new slab leaves the moved record as it was', () => {
  const out = new ByteSlab();
  record(out, 'x'.repeat(65_500)); // 36 bytes left in the first slab
  out.begin();
  out.text('head-');
  expect(out.quotedAscii('y'.repeat(100) + '"')).toBe(false);
  out.text('-tail');
  expect(out.end().toString()).toBe('head--tail');
});

test('bytes copies short and long arrays alike; again repeats a span of the part being written, across a move', () => {
  const out = new ByteSlab();
  record(out, 'x'.repeat(65_530));
  out.begin();
  out.text('k');
  out.end();
  out.bytes(Buffer.from('short'));
  const at = out.written;
  out.uint(123456789);
  const n = out.written - at;
  out.bytes(Buffer.from('z'.repeat(40))); // moves the part to a new slab
  out.again(at, n);
  expect(out.end().toString()).toBe('short123456789' + 'z'.repeat(40) + '123456789');
});

import { CopyTextParser, type CopyRow } from '../../../connector/snapshot/copy-text';

/**
 * COPY text lines as the server would send them (a JS string per line, written with JS escapes:
 * '\\' is one backslash byte on the wire, '\t' a raw tab byte), each beside the row it must
 * give, written out by hand.
 */
const SAMPLE: Array<[string, CopyRow]> = [
  ['1\tplain\t\\N\t\n', ['1', 'plain', null, '']],
  ['\t\t\n', ['', '', '']],
  ['only\n', ['only']],
  // Every escape COPY TO writes.
  ['a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh\tx\n', ['a\tb\nc\rd\\e\bf\fg\vh', 'x']],
  // NULL only for exactly \N; an escaped backslash before N is text; \N followed by more is "N...".
  ['\\\\N\t\\N\t\\Nx\tN\n', ['\\N', null, 'Nx', 'N']],
  // Octal: one to three digits; a fourth digit is text; the low 8 bits of a 9-bit value (\703 = 0x1c3 -> 0xc3).
  ['\\101\\0\\7a\\1012\t\\303\\251\t\\703\\251\n', ['A\u0000\u0007aA2', 'é', 'é']],
  // Hex: one or two digits, either case; \x without a hex digit is "x".
  ['\\x41\\x4a\\x4Ag\\xc3\\xA9\\x7\\xzz\n', ['AJJgé\u0007xzz']],
  // Any other escaped byte is itself: a letter, a space, the lead byte of a multi-byte character.
  ['\\q\\ \\é\\"\n', ['q é"']],
  // An escaped raw tab or raw newline is data, not a separator.
  ['a\\\tb\tc\\\nd\n', ['a\tb', 'c\nd']],
  // Multi-byte characters, no escapes (2, 3 and 4 bytes in UTF-8).
  ['zürich\t€ 𝄞 日本\n', ['zürich', '€ 𝄞 日本']],
  // Escaped JSON and array text forms, as COPY writes them.
  ['{"a\\\\"b":"x\\ty"}\t{"q\\\\"w",NULL,""}\n', ['{"a\\"b":"x\ty"}', '{"q\\"w",NULL,""}']],
  ['\\N\n', [null]],
  // A bytea value in hex output: the backslash of \x is escaped by COPY.
  ['\\\\x00ff\t\\\\x\n', ['\\x00ff', '\\x']],
];

const bytes = Buffer.from(SAMPLE.map(([line]) => line).join(''), 'utf8');
const expected = SAMPLE.map(([, row]) => row);

function parseChunks(chunks: Buffer[]): CopyRow[] {
  const parser = new CopyTextParser();
  const rows = chunks.flatMap((c) => parser.push(c));
  parser.end();
  return rows;
}

describe('CopyTextParser', () => {
  it('parses the sample in one chunk', () => {
    expect(parseChunks([bytes])).toEqual(expected);
  });

  it('gives the same rows for every split into two chunks', () => {
    for (let i = 0; i <= bytes.length; i++) {
      const rows = parseChunks([bytes.subarray(0, i), bytes.subarray(i)]);
      if (JSON.stringify(rows) !== JSON.stringify(expected)) throw new Error(`split at byte ${i}: ${JSON.stringify(rows)}`);
    }
  });

  it('gives the same rows for every split into three chunks', () => {
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const rows = parseChunks([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
        if (JSON.stringify(rows) !== JSON.stringify(expected)) throw new Error(`split at bytes ${i}, ${j}: ${JSON.stringify(rows)}`);
      }
    }
  });

  it('gives the same rows one byte at a time', () => {
    expect(parseChunks([...bytes].map((b) => Buffer.from([b])))).toEqual(expected);
  });

  it('returns rows as soon as their newline arrives', () => {
    const parser = new CopyTextParser();
    expect(parser.push(Buffer.from('a\tb'))).toEqual([]);
    expect(parser.push(Buffer.from('\nc\\'))).toEqual([['a', 'b']]);
    expect(parser.push(Buffer.from('\n'))).toEqual([]); // an escaped newline does not end the row
    expect(parser.push(Buffer.from('\nd\n'))).toEqual([['c\n'], ['d']]);
    parser.end();
  });

  it('keeps no reference to a chunk: the carried part of a row is a copy', () => {
    const parser = new CopyTextParser();
    const first = Buffer.from('1\tabc\\t');
    expect(parser.push(first)).toEqual([]);
    first.fill(0x7a);
    expect(parser.push(Buffer.from('def\n'))).toEqual([['1', 'abc\tdef']]);
  });

  it('carries a long row over many chunks', () => {
    const long = 'é'.repeat(50_000);
    const wire = Buffer.from(`${long}\t\\\\${long}\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 1000) chunks.push(wire.subarray(i, i + 1000));
    expect(parseChunks(chunks)).toEqual([[long, `\\${long}`]]);
  });

  it('throws at the end of input inside a row, and is reusable after', () => {
    const parser = new CopyTextParser();
    expect(parser.push(Buffer.from('1\n2\tx'))).toEqual([['1']]);
    expect(() => parser.end()).toThrow('COPY data ended inside a row (3 bytes without a final newline)');
    expect(parser.push(Buffer.from('3\n'))).toEqual([['3']]);
    parser.end();
  });

  it('parses nothing from empty chunks', () => {
    expect(parseChunks([Buffer.alloc(0), Buffer.alloc(0)])).toEqual([]);
  });
});

import { isConnectorError } from '../../../connector/errors';
import { MessageFramer } from '../../../connector/protocol/framer';
import { bytes } from './bytes';

type Seen = [string, string];

// Six messages: empty payload, tiny, one larger than any small split, and binary content.
const STREAM = bytes()
  .message('W', bytes().u8(0).i16(0))
  .message('d', bytes().char('k').u64(0x16b374d848n).u64(1n).u8(1))
  .message('c')
  .message('d', bytes().char('w').u64(1n).u64(2n).u64(3n).raw(Buffer.alloc(300, 0xab)))
  .message('C', bytes().cstr('START_REPLICATION'))
  .message('Z', bytes().char('I'))
  .build();

function run(chunks: Buffer[]): { seen: Seen[]; buffered: number[] } {
  const framer = new MessageFramer();
  const seen: Seen[] = [];
  const buffered: number[] = [];
  for (const c of chunks) {
    // Copy inside the callback: the payload may be a view valid only now.
    framer.push(c, (code, payload) => seen.push([String.fromCharCode(code), payload.toString('hex')]));
    buffered.push(framer.buffered);
  }
  return { seen, buffered };
}

describe('MessageFramer', () => {
  const whole = run([STREAM]).seen;

  it('splits a stream of concatenated messages', () => {
    expect(whole.map(([c]) => c)).toEqual(['W', 'd', 'c', 'd', 'C', 'Z']);
    expect(whole[2][1]).toBe('');
    expect(whole[4][1]).toBe(Buffer.from('START_REPLICATION\0').toString('hex'));
    expect(whole[3][1].length).toBe((1 + 24 + 300) * 2);
  });

  it('gives identical results split at every byte offset', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      const { seen, buffered } = run([STREAM.subarray(0, i), STREAM.subarray(i)]);
      expect(seen).toEqual(whole);
      expect(buffered[1]).toBe(0);
    }
  });

  it('gives identical results in three pieces at every pair of offsets', () => {
    const want = JSON.stringify(whole);
    let runs = 0;
    for (let i = 0; i <= STREAM.length; i += 1) {
      for (let j = i; j <= STREAM.length; j += 5) {
        const { seen, buffered } = run([STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)]);
        // Plain comparison in the inner loop: tens of thousands of runs.
        if (JSON.stringify(seen) !== want || buffered[2] !== 0) throw new Error(`mismatch splitting at ${i}, ${j}`);
        runs++;
      }
    }
    expect(runs).toBeGreaterThan(10000);
  });

  it('gives identical results one byte at a time, buffering only inside messages', () => {
    const chunks = [...STREAM].map((b) => Buffer.from([b]));
    const { seen, buffered } = run(chunks);
    expect(seen).toEqual(whole);
    expect(buffered[buffered.length - 1]).toBe(0);
    expect(Math.max(...buffered)).toBeLessThanOrEqual(5 + 1 + 24 + 300);
  });

  it('hands out views for whole messages and private copies for straddling ones', () => {
    const framer = new MessageFramer();
    const one = bytes().message('d', bytes().raw([1, 2, 3])).build();
    const got: Buffer[] = [];
    framer.push(one, (_c, p) => got.push(p));
    const [a, b] = [Buffer.from(one.subarray(0, 6)), Buffer.from(one.subarray(6))];
    framer.push(a, (_c, p) => got.push(p));
    framer.push(b, (_c, p) => got.push(p));
    one.fill(0);
    a.fill(0);
    b.fill(0);
    expect([...got[0]]).toEqual([0, 0, 0]); // view: follows the chunk
    expect([...got[1]]).toEqual([1, 2, 3]); // straddled: the framer's own copy
  });

  it('rejects a length below 4 as a PROTOCOL error', () => {
    const framer = new MessageFramer();
    let err: unknown;
    try {
      framer.push(Buffer.from([0x64, 0, 0, 0, 3]), () => undefined);
    } catch (e) {
      err = e;
    }
    expect(isConnectorError(err, 'PROTOCOL')).toBe(true);
  });

  it('rejects a length above the limit even when only the header has arrived', () => {
    const framer = new MessageFramer(1024);
    expect(() => framer.push(bytes().char('d').i32(2000).build(), () => undefined)).toThrow(/invalid length 2000/);
  });
});

/**
 * Loads pgoutput messages recorded from PostgreSQL 15 by scripts/record-pgoutput-fixtures.js
 * (test/fixtures/pgoutput/<name>.bin: repeated UInt64BE lsn, UInt32BE length, message bytes).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ChangeEvent } from '../../../../connector/model/change';
import { createPgoutputDecoder } from '../../../../connector/decode/pgoutput';
import { lsn, type Lsn } from '../../../../connector/protocol/lsn';

export interface Recorded {
  lsn: Lsn;
  data: Buffer;
}

export const FIXTURE_DIR = path.join(__dirname, '..', '..', '..', 'fixtures', 'pgoutput');

export function loadFixture(name: string): Recorded[] {
  const buf = fs.readFileSync(path.join(FIXTURE_DIR, `${name}.bin`));
  const out: Recorded[] = [];
  for (let off = 0; off < buf.length;) {
    const at = lsn(buf.readBigUInt64BE(off));
    const len = buf.readUInt32BE(off + 8);
    out.push({ lsn: at, data: buf.subarray(off + 12, off + 12 + len) });
    off += 12 + len;
  }
  return out;
}

/** Decodes a whole fixture with a fresh decoder; returns the events and the walStart of each. */
export function decodeFixture(name: string): ChangeEvent[] {
  const decoder = createPgoutputDecoder({ publicationNames: ['pgofix_pub'], messages: true });
  return loadFixture(name).flatMap((m) => [...decoder.decode(m.data, m.lsn)]);
}

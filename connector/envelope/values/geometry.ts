/**
 * point -> io.debezium.data.geometry.Point: {x, y, wkb, srid}, x and y as Java doubles, wkb the
 * point in little-endian Well-Known Binary (byte order 1, type 1 = Point, x, y as IEEE doubles)
 * as base64 (a Connect BYTES field), srid null. PostgreSQL prints '(x,y)'.
 */
import { RawJson, type JsonValue } from '../json';
import type { Converter } from './types';
import { badValue } from './fail';
import { javaFloatText } from './java-float';

const POINT = /^\(([^,]+),([^)]+)\)$/;

function coordinate(text: string, whole: string): JsonValue {
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return text;
  const laid = javaFloatText(text);
  return laid === null ? badValue('point', whole) : new RawJson(laid);
}

export function makePointConverter(): Converter {
  return (text) => {
    const m = POINT.exec(text);
    if (m === null) return badValue('point', text);
    const wkb = Buffer.alloc(21);
    wkb[0] = 1;
    wkb.writeUInt32LE(1, 1);
    wkb.writeDoubleLE(Number(m[1]), 5);
    wkb.writeDoubleLE(Number(m[2]), 13);
    return { x: coordinate(m[1]!, text), y: coordinate(m[2]!, text), wkb: wkb.toString('base64'), srid: null };
  };
}

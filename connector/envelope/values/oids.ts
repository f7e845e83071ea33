/**
 * Built-in PostgreSQL type OIDs (pg_type.oid, fixed since they are assigned in pg_type.dat) and
 * the array type of each (pg_type.typarray). Checked against a PostgreSQL 15 catalog:
 * `SELECT oid, typname, typarray, typdelim FROM pg_type WHERE oid < 10000`.
 * Types from extensions (hstore, ltree, citext, PostGIS) and user types (enums, domains,
 * composites) get OIDs at CREATE time, so they are not here and convert as their text form.
 */
export const Oid = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  regproc: 24,
  text: 25,
  oid: 26,
  tid: 27,
  xid: 28,
  cid: 29,
  json: 114,
  xml: 142,
  point: 600,
  box: 603,
  cidr: 650,
  float4: 700,
  float8: 701,
  macaddr8: 774,
  money: 790,
  macaddr: 829,
  inet: 869,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  bit: 1560,
  varbit: 1562,
  numeric: 1700,
  uuid: 2950,
  pg_lsn: 3220,
  jsonb: 3802,
  xid8: 5069,
} as const;

/** Array type OID -> element type OID (pg_type.typelem of each `_type`). */
export const ARRAY_ELEMENT: ReadonlyMap<number, number> = new Map<number, number>([
  [1000, 16], // _bool
  [1001, 17], // _bytea
  [1002, 18], // _char
  [1003, 19], // _name
  [1016, 20], // _int8
  [1005, 21], // _int2
  [1006, 22], // _int2vector
  [1007, 23], // _int4
  [1008, 24], // _regproc
  [1009, 25], // _text
  [1028, 26], // _oid
  [1010, 27], // _tid
  [1011, 28], // _xid
  [1012, 29], // _cid
  [1013, 30], // _oidvector
  [199, 114], // _json
  [143, 142], // _xml
  [1017, 600], // _point
  [1018, 601], // _lseg
  [1019, 602], // _path
  [1020, 603], // _box (the one built-in type whose typdelim is ';')
  [1027, 604], // _polygon
  [629, 628], // _line
  [651, 650], // _cidr
  [1021, 700], // _float4
  [1022, 701], // _float8
  [719, 718], // _circle
  [775, 774], // _macaddr8
  [791, 790], // _money
  [1040, 829], // _macaddr
  [1041, 869], // _inet
  [1034, 1033], // _aclitem
  [1014, 1042], // _bpchar
  [1015, 1043], // _varchar
  [1182, 1082], // _date
  [1183, 1083], // _time
  [1115, 1114], // _timestamp
  [1185, 1184], // _timestamptz
  [1187, 1186], // _interval
  [1270, 1266], // _timetz
  [1561, 1560], // _bit
  [1563, 1562], // _varbit
  [1231, 1700], // _numeric
  [2201, 1790], // _refcursor
  [2210, 2205], // _regclass
  [2211, 2206], // _regtype
  [2951, 2950], // _uuid
  [3221, 3220], // _pg_lsn
  [3643, 3614], // _tsvector
  [3645, 3615], // _tsquery
  [3807, 3802], // _jsonb
  [3905, 3904], // _int4range
  [3907, 3906], // _numrange
  [3909, 3908], // _tsrange
  [3911, 3910], // _tstzrange
  [3913, 3912], // _daterange
  [3927, 3926], // _int8range
  [4073, 4072], // _jsonpath
  [271, 5069], // _xid8
]);

/** typdelim of an element type: ',' for every built-in type except box. */
export function arrayDelimiter(elementOid: number): string {
  return elementOid === Oid.box ? ';' : ',';
}

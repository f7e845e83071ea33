import net from 'node:net';

// One Kafka Metadata request over a raw socket: the test brokers' readiness probe and the
// failover tests' "who leads this partition". Raw on purpose: it has no client library to keep
// in step with the sink's, and it asks exactly one broker (a client would
// follow the cluster to another).
//
// Wire format (Kafka protocol guide, Metadata API key 3, version 4: the oldest Kafka 4 accepts
// (KIP-896) that is not yet "flexible", so no tagged fields):
//   frame:    int32 length (excluding itself) + payload
//   request:  int16 api_key=3, int16 api_version=4, int32 correlation_id, int16-length client_id,
//             topics: int32 count (-1 = all topics) of int16-length names,
//             boolean allow_auto_topic_creation
//   response: int32 correlation_id, int32 throttle_time_ms,
//             brokers: int32 count of { int32 node_id, string host, int32 port, nullable string rack },
//             nullable string cluster_id, int32 controller_id,
//             topics: int32 count of { int16 error_code, string name, boolean is_internal,
//               partitions: int32 count of { int16 error_code, int32 partition_index,
//                 int32 leader_id, int32[] replica_nodes, int32[] isr_nodes } }

export interface MetadataPartition {
  partition: number;
  /** -1 while the partition has no leader. */
  leader: number;
  replicas: number[];
  isr: number[];
  errorCode: number;
}

export interface MetadataTopic {
  name: string;
  /** 3 = UNKNOWN_TOPIC_OR_PARTITION, 5 = LEADER_NOT_AVAILABLE (being created). */
  errorCode: number;
  partitions: MetadataPartition[];
}

export interface Metadata {
  brokers: { id: number; host: string; port: number }[];
  clusterId: string | null;
  controllerId: number;
  topics: MetadataTopic[];
}

const API_METADATA = 3;
const VERSION = 4;

/** Asks the broker at host:port for the cluster's brokers and (only) the given topics. */
export function fetchMetadata(host: string, port: number, topics: readonly string[] = [], timeoutMs = 5_000): Promise<Metadata> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let buf = Buffer.alloc(0);
    const fail = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`Metadata request to ${host}:${port} timed out after ${timeoutMs} ms`)));
    socket.on('error', fail);
    socket.on('close', () => reject(new Error(`${host}:${port} closed the connection before the Metadata response`)));
    socket.on('connect', () => socket.write(encodeRequest(topics)));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      try {
        const metadata = decodeResponse(buf.subarray(4, 4 + buf.readInt32BE(0)));
        socket.destroy();
        resolve(metadata);
      } catch (err) {
        fail(err as Error);
      }
    });
  });
}

function encodeRequest(topics: readonly string[]): Buffer {
  const clientId = Buffer.from('walcast-test-probe');
  const parts: Buffer[] = [];
  const int16 = (n: number): void => { const b = Buffer.alloc(2); b.writeInt16BE(n); parts.push(b); };
  const int32 = (n: number): void => { const b = Buffer.alloc(4); b.writeInt32BE(n); parts.push(b); };
  int16(API_METADATA);
  int16(VERSION);
  int32(1);
  int16(clientId.length);
  parts.push(clientId);
  int32(topics.length);
  for (const t of topics) {
    const name = Buffer.from(t);
    int16(name.length);
    parts.push(name);
  }
  parts.push(Buffer.from([0])); // allow_auto_topic_creation = false
  const payload = Buffer.concat(parts);
  const frame = Buffer.alloc(4);
  frame.writeInt32BE(payload.length);
  return Buffer.concat([frame, payload]);
}

function decodeResponse(b: Buffer): Metadata {
  let at = 0;
  const int16 = (): number => { const v = b.readInt16BE(at); at += 2; return v; };
  const int32 = (): number => { const v = b.readInt32BE(at); at += 4; return v; };
  const string = (): string | null => {
    const len = int16();
    if (len < 0) return null;
    const s = b.toString('utf8', at, at + len);
    at += len;
    return s;
  };
  const array = <T>(item: () => T): T[] => Array.from({ length: Math.max(0, int32()) }, item);

  int32(); // correlation_id
  int32(); // throttle_time_ms
  const brokers = array(() => {
    const id = int32();
    const host = string() ?? '';
    const port = int32();
    string(); // rack
    return { id, host, port };
  });
  const clusterId = string();
  const controllerId = int32();
  const topics = array(() => {
    const errorCode = int16();
    const name = string() ?? '';
    at += 1; // is_internal
    const partitions = array(() => {
      const partErr = int16();
      const partition = int32();
      const leader = int32();
      const replicas = array(int32);
      const isr = array(int32);
      return { partition, leader, replicas, isr, errorCode: partErr };
    });
    return { name, errorCode, partitions };
  });
  return { brokers, clusterId, controllerId, topics };
}

// 100k small records through the sink vs. a plain @nats-io/jetstream loop with the same window of PubAcks
// in flight. Reports msgs/s on stderr; asserts completeness and a loose floor only.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createNatsSink } from '../../../connector/sink/nats';
import { silentLogger } from '../../../connector/observe/logger';
import { natsFromInfra } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { deleteStream, natsConfig, records, streamMessageCount, withConnection } from './nats-support';

const N = 100_000;
const WINDOW = 256;

describe('NATS sink throughput', () => {
  const { url } = natsFromInfra();

  it(`publishes ${N} records`, async () => {
    const prefix = uniqueName('p');
    const stream = uniqueName('s');
    const sink = createNatsSink(natsConfig(url, stream, { maxInFlight: WINDOW }), { logger: silentLogger, subjectsPrefix: prefix });
    await sink.start();
    try {
      const all = records(prefix, N, { tables: 10 });
      const t0 = process.hrtime.bigint();
      const calls: Promise<void>[] = [];
      for (let i = 0; i < N; i += 1000) calls.push(sink.publish(all.slice(i, i + 1000)));
      await Promise.all(calls);
      const sinkRate = N / (Number(process.hrtime.bigint() - t0) / 1e9);
      expect(await streamMessageCount(url, stream)).toBe(N);

      const baseStream = uniqueName('base');
      const basePrefix = uniqueName('b');
      const baseRate = await withConnection(url, async (admin) => {
        await (await jetstreamManager(admin)).streams.add({ name: baseStream, subjects: [`${basePrefix}.>`] });
        const nc = await connect({ servers: url });
        const js = jetstream(nc);
        const base = records(basePrefix, N, { tables: 10 });
        const t1 = process.hrtime.bigint();
        let next = 0;
        const worker = async () => {
          while (next < N) {
            const r = base[next++];
            await js.publish(r.topic, r.value ?? undefined, { msgID: r.id });
          }
        };
        await Promise.all(Array.from({ length: WINDOW }, worker));
        const rate = N / (Number(process.hrtime.bigint() - t1) / 1e9);
        await nc.close();
        return rate;
      });
      await deleteStream(url, baseStream);
      process.stderr.write(`[nats-throughput] ${N} records, window ${WINDOW}: sink ${Math.round(sinkRate)} msgs/s; plain client ${Math.round(baseRate)} msgs/s\n`);
      expect(sinkRate).toBeGreaterThan(1000);
    } finally {
      await sink.stop();
      await deleteStream(url, stream);
    }
  });
});

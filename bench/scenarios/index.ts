/**
 * Every scenario, in run order. To add one: a module exporting a `Scenario` (see
 * lib/context.ts; lib/ has the workload, pg_recvlogical, walcast-as-a-child-process and table
 * helpers), listed here.
 */
import type { Scenario } from '../lib/context';
import { avro } from './avro';
import { bigtx } from './bigtx';
import { debezium } from './debezium';
import { kafkaSink } from './kafka-sink';
import { latency } from './latency';
import { nats } from './nats';
import { snapshot } from './snapshot';
import { spine } from './spine';
import { wal2json } from './wal2json';

export const SCENARIOS: readonly Scenario[] = [spine, wal2json, nats, snapshot, bigtx, kafkaSink, avro, latency, debezium];

/**
 * The NATS sink's options: `sink.nats` in the configuration.
 * config/load.ts validates and freezes them; config/types.ts composes them into WalcastConfig.
 */
export interface NatsOptions {
  readonly servers: readonly string[];
  readonly stream: string;
  readonly createStream: boolean;
  readonly duplicateWindowMs: number;
  readonly maxInFlight: number;
  readonly user: string;
  readonly pass: string;
  readonly token: string;
  readonly nkeySeed: string;
  readonly credsFile: string;
  readonly tlsCaFile: string;
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
}

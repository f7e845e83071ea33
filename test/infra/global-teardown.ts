import { stopInfra } from './lifecycle';

// jest "integration" project globalTeardown: stops what global-setup.ts started.
export default async function globalTeardown(): Promise<void> {
  await stopInfra();
}

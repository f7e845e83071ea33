/**
 * Temp dirs for tests that are removed again: after the test file (jest `afterAll`, registered
 * when this module is first imported by a test file) and, as a fallback, when the process
 * exits. Every test-created dir under /tmp goes through here, so a run leaves nothing behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created = new Set<string>();

/** mkdtemp under os.tmpdir(), e.g. tempDir('walcast-state-'), removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.add(dir);
  return dir;
}

/** Removes every dir tempDir created so far. Idempotent. */
export function removeTempDirs(): void {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
  created.clear();
}

// Loaded at a test file's top level (imports run before its tests are collected), so the hook
// belongs to that file. Outside jest (scripts) only the exit hook applies.
// (Through globalThis: test/infra is also compiled without jest's types, for scripts/demo.ts.)
const jestAfterAll = (globalThis as { afterAll?: (fn: () => void) => void }).afterAll;
if (typeof jestAfterAll === 'function') jestAfterAll(removeTempDirs);
process.once('exit', removeTempDirs);

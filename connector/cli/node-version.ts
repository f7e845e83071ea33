/**
 * The oldest Node walcast runs on: package.json "engines" (>= 22.22), checked by the CLI before
 * anything else, so an older runtime is one clear sentence instead of a failure deep inside a
 * library (Node 20 lacks Promise.withResolvers, which the Kafka client calls).
 * test/unit/cli/node-version.test.ts keeps it equal to "engines".
 */
export const MIN_NODE = { major: 22, minor: 22 } as const;

/** What to tell the user when `version` (process.versions.node) is too old; null when it will do. */
export function nodeTooOld(version: string): string | null {
  const [major = 0, minor = 0] = version.split('.').map((p) => Number.parseInt(p, 10));
  if (major > MIN_NODE.major || (major === MIN_NODE.major && minor >= MIN_NODE.minor)) return null;
  return `walcast needs Node.js ${MIN_NODE.major}.${MIN_NODE.minor} or later (Node 24 LTS recommended); this is Node ${version}. `
    + 'Use the container image, install a newer Node, or run through scripts/walcast.sh, which brings Node 24 when the machine\'s is older.';
}

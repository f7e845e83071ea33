/**
 * V8 heap sizing for `walcast run`. Left to itself V8 sizes the heap from the machine's memory
 * (a 4 GB limit on a 24 GB host): a young generation of tens of MB and an old generation
 * allowed to grow up to 4x its live size before a full collection. walcast allocates fast and
 * keeps little (the in-flight window), and every record lives until the broker acks it, long
 * enough to be promoted; so the peak RSS of a long run at full speed was mostly garbage the GC
 * had not needed to collect yet: 363-405 MB for a 1M-row transaction, of which 90-111 MB
 * old-space objects and 140-153 MB heap in use (bench bigtx). A small young generation and a
 * 1 GB old-space cap (which also makes V8 grow the old space in smaller steps) keep it under
 * 200 MB (182-185 MB with 4 MB semi-spaces, 189-191 MB with 8 MB), at the price of more
 * collector work: about +35-55% process CPU in that bench (8 MB semi-spaces cost less than 4 MB).
 * See README "Memory".
 *
 * The flags must be given to node at start (V8 reads them when it creates the heap): the image's
 * ENTRYPOINT, the bin's shebang (connector/cli.ts), scripts/walcast.sh and the bench pass them
 * (test/unit/deploy/node-flags.test.ts keeps them in step); both are allowed in NODE_OPTIONS for
 * other launchers. A walcast that runs without them says so once.
 */
export const MEMORY_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=8', '--max-old-space-size=1024']);

/** The MEMORY_FLAGS options (by name) that neither `execArgv` nor NODE_OPTIONS sets. */
export function missingMemoryFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].map((a) => a.split('=')[0]!.replace(/_/g, '-'));
  return MEMORY_FLAGS.filter((f) => !given.includes(f.split('=')[0]!));
}

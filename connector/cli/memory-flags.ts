/**
 * V8 heap flags for `walcast run`. Left to itself V8 sizes the heap from the machine's memory
 * (a 4 GB limit on a 24 GB host): a young generation of tens of MB and an old generation
 * allowed to grow up to 4x its live size before a full collection. walcast allocates fast and
 * keeps little (the in-flight window), and every record lives until the broker acks it, long
 * enough to be promoted; so the peak RSS of a long run at full speed was mostly garbage the GC
 * had not needed to collect yet: 363-405 MB for a 1M-row transaction, of which 90-111 MB
 * old-space objects and 140-153 MB heap in use (bench bigtx). A small young generation and a
 * 1 GB old-space cap keep it under 200 MB (182-185 MB with 4 MB semi-spaces, 189-191 MB with
 * 8 MB).
 *
 * The cap has a side effect: below 2 GB V8 also lowers its old-generation growing factor, and
 * the old space of ~25 MB live was marked again after every ~15-20 MB promoted, about five
 * full collections a second at full speed, with concurrent marking threads taking a third of the
 * process's CPU. `--heap-growing-percent=100` fixes the factor at 2: in one session, spine CPU
 * per row 11.2/12.5 -> 8.4/9.3 µs (GC threads 2.4-2.7 -> 1.4-1.8 CPU s per 500k rows), peak RSS
 * 156 -> 167-174 MB; 1M-row transaction 163 -> 171-175 MB; 10M-row snapshot 189/190 MB.
 * See README "Memory".
 *
 * The flags must be given to node at start (V8 reads them when it creates the heap): the image's
 * ENTRYPOINT, the bin's shebang (connector/cli.ts), scripts/walcast.sh and the bench pass them
 * (test/unit/deploy/node-flags.test.ts keeps them in step). Other launchers can put the two
 * sizes in NODE_OPTIONS; node refuses --heap-growing-percent there (command line only). A
 * walcast that runs without them says so once.
 */
export const MEMORY_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=8', '--max-old-space-size=1024', '--heap-growing-percent=100']);

/** The MEMORY_FLAGS options (by name) that neither `execArgv` nor NODE_OPTIONS sets. */
export function missingMemoryFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].map((a) => a.split('=')[0]!.replace(/_/g, '-'));
  return MEMORY_FLAGS.filter((f) => !given.includes(f.split('=')[0]!));
}

/** What `walcast run` logs once when flags are missing: what it costs, and how to pass them. */
export function missingFlagsMessage(missing: readonly string[]): string {
  const sizing = missing.some((f) => f.startsWith('--max-'));
  const cost = sizing
    ? "V8's default heap sizing lets RSS reach about twice walcast's bound under full load"
    : 'without a fixed heap growing factor V8 runs several full collections a second at full speed (about a third more CPU)';
  return `node runs without ${missing.join(' ')}: ${cost}; start it with ${MEMORY_FLAGS.join(' ')} `
    + '(the image, the bin and scripts/walcast.sh do; NODE_OPTIONS takes the two sizes, node takes --heap-growing-percent on its command line only)';
}

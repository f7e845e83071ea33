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
 * One V8 flag walcast sets on itself as it starts (RUNTIME_V8_FLAGS, v8.setFlagsFromString): at
 * full speed most records are still waiting for the broker's ack when the young generation is
 * scavenged, so V8's allocation-site pretenuring decided they live long and allocated them
 * straight into the old generation. A spine run then had 110 scavenges and 16 full collections
 * (with 32 MB semi-spaces almost no scavenges and a full collection every ~200 ms), and V8's GC
 * threads took a third of the process's CPU. `--no-allocation-site-pretenuring` keeps them young,
 * where those acked before the next scavenge cost nothing; 12 MB semi-spaces (8 before) let more
 * of them be acked first. In one session (alternating 300k-row spine runs): CPU per row 13.6 ->
 * 10.6 µs (GC threads 1.3-1.8 -> 0.8-1.0 CPU s), peak RSS 155-171 -> 158-169 MB. A 10M-row
 * snapshot: 189/190 MB peak RSS and 80.9/83.6 CPU s with one/two readers (8 MB semi-spaces
 * without pretenuring: 171/182 MB, 104.0/104.7 s; 16 MB: 203 MB with two readers, over the
 * bound). It is set at run time because V8 reads it while it runs (at each scavenge), node
 * refuses it in NODE_OPTIONS, and on the bin's shebang it would pass the 127 bytes kernels
 * before Linux 5.1 read of that line. Node started with `--allocation-site-pretenuring` keeps
 * V8's default.
 *
 * The flags must be given to node at start (V8 reads them when it creates the heap): the image's
 * ENTRYPOINT, the bin's shebang (connector/cli.ts), scripts/walcast.sh and the bench pass them
 * (test/unit/deploy/node-flags.test.ts keeps them in step). Other launchers can put the two
 * sizes in NODE_OPTIONS; node refuses --heap-growing-percent there (command line only). A
 * walcast that runs without them says so once.
 */
import { setFlagsFromString } from 'node:v8';

export const MEMORY_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=12', '--max-old-space-size=1024', '--heap-growing-percent=100']);

/** V8 flags walcast sets on itself at start (see the file comment). */
export const RUNTIME_V8_FLAGS: readonly string[] = Object.freeze(['--no-allocation-site-pretenuring']);

/** A V8 flag's name without its value, its `--no-` and the dash/underscore difference. */
const v8FlagName = (arg: string): string => arg.split('=')[0]!.replace(/_/g, '-').replace(/^--(no-)?/, '');

/**
 * Sets each of RUNTIME_V8_FLAGS that node's command line does not name (either way: node started
 * with `--allocation-site-pretenuring` keeps V8's default); returns those it set. Call once,
 * first thing, before the pipeline allocates anything.
 */
export function applyRuntimeV8Flags(execArgv: readonly string[] = process.execArgv, set: (flag: string) => void = setFlagsFromString): string[] {
  const given = new Set(execArgv.map(v8FlagName));
  const applied = RUNTIME_V8_FLAGS.filter((f) => !given.has(v8FlagName(f)));
  for (const flag of applied) set(flag);
  return applied;
}

/** The MEMORY_FLAGS options (by name) that neither `execArgv` nor NODE_OPTIONS sets. */
export function missingMemoryFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].map(v8FlagName));
  return MEMORY_FLAGS.filter((f) => !given.has(v8FlagName(f)));
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

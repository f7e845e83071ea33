import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';

// Class-data sharing for the test brokers (JDK 17 dynamic AppCDS): the classes a broker loads
// are archived once, next to the cached classpath, and later JVMs map them instead of parsing
// ~40 jars again. Measured here: a broker ready in 2.2–4.4 s instead of 6.3–9 s, RSS ~45 MB
// lower. The archive is keyed by the classpath file (a new pom makes a new one); the JVM checks
// it itself (JDK build, classpath) and starts without it when it does not match (-Xshare:auto).
//
// The archive is written by a JVM at a clean exit (SIGTERM included) when started with
// -XX:ArchiveClassesAtExit: the first broker of a process without an archive dumps to a temp
// file, renamed into place only after that JVM ended cleanly.

export interface CdsRun {
  /** JVM flags for this run. */
  flags: string[];
  /** This JVM writes the archive at exit: give its shutdown time (~10 s more on a busy machine). */
  dumps: boolean;
  /** Call when the JVM exited: installs the archive it dumped (if it dumped one). */
  exited(code: number | null, signal: NodeJS.Signals | null): void;
}

const dumping = new Set<string>();

/** Flags for one JVM run on the classpath cached in `classpathFile` (see scripts/fetch-kafka.sh). */
export function cdsRun(classpathFile: string, opts: { dump?: boolean } = {}): CdsRun {
  const archive = classpathFile.replace(/\.txt$/, '') + '.jsa';
  if (existsSync(archive)) return { flags: [`-XX:SharedArchiveFile=${archive}`], dumps: false, exited: () => undefined };
  if (opts.dump === false || dumping.has(archive)) return { flags: [], dumps: false, exited: () => undefined };
  dumping.add(archive);
  const tmp = `${archive}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  return {
    // Without -Xlog:cds=off the dump prints a warning per class it skips.
    flags: [`-XX:ArchiveClassesAtExit=${tmp}`, '-Xlog:cds=off', '-Xlog:cds+dynamic=off'],
    dumps: true,
    exited: (code, signal) => {
      dumping.delete(archive);
      try {
        // After SIGTERM the JVM runs its shutdown, writes the archive, then exits with 143; one
        // ended by SIGKILL may have been cut off mid-write.
        if ((code === 0 || code === 143 || signal === 'SIGTERM') && existsSync(tmp) && statSync(tmp).size > 0 && !existsSync(archive)) renameSync(tmp, archive);
      } catch {
        // Another process installed one first, or the cache is read-only: run without.
      }
      rmSync(tmp, { force: true });
    },
  };
}

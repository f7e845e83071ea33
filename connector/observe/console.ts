/**
 * The console: the one owner of an output stream (stderr) shared by the logger and the snapshot's
 * progress bars. While bars are drawn, a log line written straight to the stream lands in the
 * middle of a bar, and the next redraw (which moves the cursor up by the number of bars) draws
 * over it: the line looks cut off and a copy of the top bar stays behind. So log text goes
 * through here, and while bars exist it is written above them (cli-progress' `log` buffer,
 * flushed by an immediate redraw), never across them.
 *
 * One console per stream (`consoleFor`), so a logger and a progress display created apart from
 * each other, for the same stream, still share it.
 */
import { clearScreenDown } from 'node:readline';
import { MultiBar, type Options, type Preset, type SingleBar } from 'cli-progress';

export interface Bars {
  create(total: number, value: number, payload: Record<string, unknown>): SingleBar;
  /** Removes a finished bar; the bars below it move up. */
  remove(bar: SingleBar): void;
  /** Redraws now (otherwise bars redraw at their fps). */
  redraw(): void;
  /** Erases the bars from the screen and shows the cursor again; later logs go straight out. */
  stop(): void;
}

export interface Console {
  readonly stream: NodeJS.WritableStream;
  /** True when the stream is a terminal (bars and colours make sense). */
  readonly isTTY: boolean;
  /** Writes complete lines (ending in `\n`): above the bars while bars are drawn. */
  write(text: string): void;
  /** Starts a group of bars on this console. One group at a time: a second start stops the first. */
  bars(options: Omit<Options, 'stream' | 'terminal' | 'linewrap' | 'clearOnComplete'>, preset: Preset): Bars;
}

const consoles = new WeakMap<NodeJS.WritableStream, Console>();

export function consoleFor(stream: NodeJS.WritableStream): Console {
  let c = consoles.get(stream);
  if (!c) {
    c = createConsole(stream);
    consoles.set(stream, c);
  }
  return c;
}

function createConsole(stream: NodeJS.WritableStream): Console {
  const isTTY = (stream as NodeJS.WriteStream).isTTY === true;
  let active: { multibar: MultiBar; stop(): void } | null = null;
  let logsPending = false;

  const console: Console = {
    stream,
    isTTY,
    write(text) {
      if (!active) { stream.write(text); return; }
      logsPending = true;
      active.multibar.log(text);
      active.multibar.update();
    },
    bars(options, preset) {
      active?.stop();
      const multibar = new MultiBar({
        ...options,
        stream: stream as NodeJS.WriteStream,
        // Keep the terminal's own line wrapping: cli-progress turns it off by default, and then
        // every log line longer than the terminal is cut at its width. Bars are still cut to
        // the width by cli-progress itself.
        linewrap: true,
        // On stop the bars of unfinished tables are erased, not left behind as stale lines.
        clearOnComplete: true,
        // Logged text moves the bars down a line: each must be drawn again, changed or not
        // (cli-progress skips a bar whose text did not change).
        forceRedraw: true,
      }, preset);
      // cli-progress clears only the first line before writing logged text over the bars;
      // a short log line would leave the rest of an old bar after it. Erase them all first.
      // ('redraw-pre' is emitted after the cursor moved back to the top of the bars.)
      multibar.on('redraw-pre', () => {
        if (!logsPending) return;
        logsPending = false;
        if (isTTY) clearScreenDown(stream);
      });
      // A hard exit (second Ctrl-C) skips every finally block: still erase the bars and give
      // the cursor back. Writes to a TTY are synchronous, so this lands before the exit.
      const onExit = (): void => group.stop();
      process.once('exit', onExit);
      let stopped = false;
      const group = {
        multibar,
        stop(): void {
          if (stopped) return;
          stopped = true;
          process.off('exit', onExit);
          if (logsPending) multibar.update(); // write logged text still in the buffer
          multibar.stop();
          if (active === group) active = null;
        },
      };
      active = group;
      return {
        create: (total, value, payload) => multibar.create(total, value, payload),
        remove: (bar) => { multibar.remove(bar); },
        redraw: () => { if (!stopped) multibar.update(); },
        stop: () => group.stop(),
      };
    },
  };
  return console;
}

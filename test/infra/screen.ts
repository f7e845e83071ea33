/**
 * A terminal screen for tests: a stream that says it is a TTY, and a headless xterm.js that
 * interprets everything written to it (cursor moves, line clears, wrapping), so tests assert
 * what a person would see, not which escape codes were sent.
 */
import { Writable } from 'node:stream';
import { Terminal } from '@xterm/headless';

export class Screen {
  readonly terminal: Terminal;
  readonly stream: NodeJS.WriteStream;
  /** Everything written, raw. */
  raw = '';
  private parsed: Promise<void> = Promise.resolve();

  constructor(readonly cols = 80, readonly rows = 24) {
    this.terminal = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 1000 });
    const writable = new Writable({
      decodeStrings: false,
      write: (chunk: Buffer | string, _enc, done) => { this.feed(chunk.toString()); done(); },
    });
    this.stream = Object.assign(writable, { isTTY: true, columns: cols, rows }) as unknown as NodeJS.WriteStream;
  }

  /** Feeds bytes written elsewhere (e.g. a pseudo-terminal's typescript). */
  feed(text: string): void {
    this.raw += text;
    this.parsed = this.parsed.then(() => new Promise<void>((resolve) => this.terminal.write(text, resolve)));
  }

  /**
   * The screen and scrollback as logical lines: rows the terminal wrapped are joined back,
   * trailing blanks trimmed, trailing empty lines dropped.
   */
  async lines(): Promise<string[]> {
    await this.parsed;
    const buf = this.terminal.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < buf.length; i++) {
      const line = buf.getLine(i)!;
      const text = line.translateToString(true);
      if (line.isWrapped && out.length > 0) out[out.length - 1] += text;
      else out.push(text);
    }
    while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
    return out;
  }

  /** Whether the last cursor show/hide the program sent left it visible. */
  cursorVisible(): boolean {
    return this.raw.lastIndexOf('\x1b[?25l') <= this.raw.lastIndexOf('\x1b[?25h');
  }

  dispose(): void {
    this.terminal.dispose();
  }
}

/**
 * Reads a Java `.properties` file (java.util.Properties#load): `key=value`, `key: value` or
 * `key value`; `#` and `!` start comment lines; a line ending in an odd number of `\` continues
 * on the next (its leading blanks dropped); `\uXXXX`, `\t`, `\n`, `\r`, `\f` escapes; any other
 * escaped character stands for itself. Later keys win, as in Java.
 *
 * Quarkus (Debezium Server) also expands `${NAME}` and `${NAME:default}` from the environment;
 * `expandEnv` does that, and reports names that are unset and have no default.
 */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (endsInContinuation(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    if (endsInContinuation(line)) line = line.slice(0, -1);
    const sep = keyEnd(line);
    const key = unescape(line.slice(0, sep));
    let rest = line.slice(sep).replace(/^[ \t\f]*/, '');
    if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]*/, '');
    out.set(key, unescape(rest));
  }
  return out;
}

function endsInContinuation(line: string): boolean {
  const m = /\\+$/.exec(line);
  return m !== null && m[0].length % 2 === 1;
}

/** Index of the first unescaped `=`, `:` or blank: where the key ends. */
function keyEnd(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') { i++; continue; }
    if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') return i;
  }
  return line.length;
}

const ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => (e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : ESCAPES[e] ?? e));
}

/** `${NAME}` / `${NAME:default}` from `env`; `missing` collects names that are unset without a default. */
export function expandEnv(value: string, env: NodeJS.ProcessEnv, missing: string[]): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_.-]*)(?::([^}]*))?\}/g, (whole, name: string, def: string | undefined) => {
    const v = env[name] ?? def;
    if (v === undefined) { missing.push(name); return whole; }
    return v;
  });
}

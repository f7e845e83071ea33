/**
 * The layout shows the pipeline (docs/DESIGN.md, "Source tree"): each stage imports only from
 * the layers beneath it, never from a later stage, and no stage reads the whole configuration.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const CONNECTOR = path.join(ROOT, 'connector');

/**
 * Lowest first. A module may import from its own directory and from lower layers; the
 * foundation (layer 0) may also import within itself.
 */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ['errors.ts', 'retry.ts', 'suggest.ts', 'observe'],
  ['protocol'],
  ['model'],
  ['source'],
  ['decode'],
  ['envelope'],
  ['sink'],
  ['snapshot', 'offsets'],
  ['pipeline'],
  ['cli', 'cli.ts'],
];

/** The stages, which get their own options from pipeline/ and never the whole configuration. */
const STAGES = ['source', 'decode', 'envelope', 'sink', 'snapshot', 'offsets'];

function layerOf(top: string): number {
  const i = LAYERS.findIndex((l) => l.includes(top));
  if (i < 0) throw new Error(`connector/${top} is in no layer: add it to LAYERS and to docs/DESIGN.md`);
  return i;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative module specifiers of static imports, re-exports and dynamic imports. */
export function relativeImports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;'"]*?from\s*'(\.[^']*)'|import\(\s*'(\.[^']*)'\s*\)/g)) {
    found.push((m[1] ?? m[2])!);
  }
  return found;
}

interface Edge { readonly file: string; readonly target: string }

function edges(): Edge[] {
  return sourceFiles(CONNECTOR).flatMap((file) =>
    relativeImports(readFileSync(file, 'utf8')).map((spec) => ({
      file: path.relative(ROOT, file),
      target: path.relative(ROOT, path.resolve(path.dirname(file), spec)),
    })));
}

const top = (p: string): string => p.split(path.sep)[1]!.replace(/^(errors|retry|suggest|cli)$/, '$1.ts');

describe('source tree layering', () => {
  const all = edges();

  it('finds the imports it checks', () => {
    expect(relativeImports("import type { A } from '../model/change';\nexport { b } from './b';\nconst c = await import('./c');"))
      .toEqual(['../model/change', './b', './c']);
    expect(all.length).toBeGreaterThan(300);
  });

  it('has no import from a later stage', () => {
    const upward = all
      .filter((e) => e.target.startsWith(`connector${path.sep}`))
      .filter((e) => {
        const from = top(e.file);
        const to = top(e.target);
        if (from === to) return false;
        return layerOf(to) > layerOf(from) || (layerOf(to) === layerOf(from) && layerOf(from) > 0);
      })
      .map((e) => `${e.file} -> ${e.target}`);
    expect(upward).toEqual([]);
  });

  it('keeps the whole configuration out of the stages', () => {
    const reading = all
      .filter((e) => STAGES.includes(top(e.file)) && e.target.startsWith(`config${path.sep}`))
      .map((e) => `${e.file} -> ${e.target}`);
    expect(reading).toEqual([]);
  });
});

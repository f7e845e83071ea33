/**
 * Which changes become records: Debezium's `skipped.operations` and
 * `message.prefix.include.list` / `.exclude.list`, from the envelope options. Snapshot reads
 * are never skipped (Debezium does not skip them either). A key change is an update here (u
 * skips it whole); the builder drops its delete half for d and its create half for c, as
 * Debezium does (both checked against Debezium in test/integration/compat/routing.test.ts).
 */
import type { EnvelopeOptions, SkippableOperation } from './options';
import type { DataEvent } from '../model/change';

const OP_OF: Readonly<Record<Exclude<DataEvent['kind'], 'message'>, SkippableOperation>> = {
  insert: 'c', update: 'u', delete: 'd', truncate: 't',
};

/** Debezium matches list entries against the whole name (Java `Pattern.matcher(..).matches()`). */
function wholeMatchers(regexes: readonly string[]): RegExp[] {
  return regexes.map((r) => new RegExp(`^(?:${r})$`, 'u'));
}

/** True when `skipped` drops this change by its kind (logical messages are never skipped by kind). */
export function skippedByOperation(skipped: ReadonlySet<SkippableOperation>, ev: DataEvent): boolean {
  return ev.kind !== 'message' && skipped.has(OP_OF[ev.kind]);
}

export function eventFilter(o: Pick<EnvelopeOptions, 'skippedOperations' | 'messagePrefixInclude' | 'messagePrefixExclude'>): (ev: DataEvent) => boolean {
  const skipped = new Set(o.skippedOperations);
  const include = wholeMatchers(o.messagePrefixInclude);
  const exclude = wholeMatchers(o.messagePrefixExclude);
  if (skipped.size === 0 && include.length === 0 && exclude.length === 0) return () => true;
  return (ev) => {
    if (ev.kind !== 'message') return !skippedByOperation(skipped, ev);
    if (include.length > 0) return include.some((r) => r.test(ev.prefix));
    return !exclude.some((r) => r.test(ev.prefix));
  };
}

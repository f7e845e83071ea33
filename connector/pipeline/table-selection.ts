/**
 * The stream's table filter for publications that may carry more than the configured tables
 * (decode/table-filter.ts says which and why), set up from the server's catalog at start.
 */
import type { Decoder } from '../model/change';
import { withTableFilter } from '../decode/table-filter';
import type { Logger } from '../observe/logger';
import type { SourceOptions } from '../source/options';
import { displayName, listPartitionTrees, parseTablePattern, type Queryable, type TableName } from '../source/tables';

type Source = Pick<SourceOptions, 'publication' | 'publicationMode' | 'tables' | 'excludeTables'>;

/**
 * `decoder` as it is for a filtered publication; otherwise wrapped in the configured tables' filter.
 *
 * `existing`: every table at the inspection that chose `selected`, before the slot and the
 * snapshot. Not listed again here: a table created since (during a long snapshot, say) is new,
 * judged by its name, where a fresh list would count it as existing and unselected and drop it.
 */
export async function filterToConfiguredTables(
  decoder: Decoder, client: Queryable, source: Source, selected: readonly TableName[], existing: readonly TableName[], logger: Logger,
): Promise<Decoder> {
  if (source.publicationMode === 'filtered') return decoder;
  const { partitions, partitioned } = await listPartitionTrees(client, selected);
  logger.info({ publicationMode: source.publicationMode, publication: source.publication, tables: selected.length, partitions: partitions.length },
    `publication "${source.publication}" may carry more tables than source.tables selects (publicationMode ${source.publicationMode}): `
    + 'walcast drops the changes of the others');
  const exclude = source.excludeTables.map(parseTablePattern);
  return withTableFilter(decoder, {
    // A partition named in excludeTables stays out, as any table there does.
    selected: [...selected, ...partitions.filter((t) => !exclude.some((p) => p.matches(t)))],
    existing,
    include: source.tables.map(parseTablePattern),
    exclude,
    partitioned: partitioned.length > 0,
  }, (t) => logger.warn({ table: displayName(t) },
    `changes of ${displayName(t)}, a table created since the start that source.tables does not select, are kept: it may be a new partition `
    + `of a selected partitioned table (${partitioned.map(displayName).join(', ')}), which a change does not tell; the next start decides from the catalog`));
}

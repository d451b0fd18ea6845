// The documented views with their columns, and the helper functions, as the
// SQL explorer's editor offers them for completion.

import type { QuerySchemaJson } from '../../shared/dashboards'
import { openQueryConnection } from './statement'
import { VIEW_NAMES } from './views'

const FUNCTIONS: QuerySchemaJson['functions'] = [
  {
    name: 'percentile',
    signature: 'percentile(value, p)',
    description:
      'The p-th percentile (p from 0 to 100) of the non-NULL values of a group, interpolated linearly.',
  },
  {
    name: 'median',
    signature: 'median(value)',
    description: 'percentile(value, 50)',
  },
]

/**
 * Opens a query connection to the store in `dataDir` and reads the columns
 * of each documented view from SQLite, so the list matches the views' SQL.
 */
export function describeQuerySchema(dataDir: string): QuerySchemaJson {
  const db = openQueryConnection(dataDir)
  try {
    const columnsOf = db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck()
    const views = VIEW_NAMES.map((name) => ({
      name,
      columns: columnsOf.all(name) as string[],
    }))
    return { views, functions: FUNCTIONS }
  } finally {
    db.close()
  }
}

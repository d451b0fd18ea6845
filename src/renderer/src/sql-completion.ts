// Completion of the SQL explorer's editor: view names, their columns, the
// helper functions and common keywords. After `name.` it offers only the
// columns of the view that `name` is (or is an alias of, as in
// `FROM model_calls m`).

import type { QuerySchemaJson, ViewSchema } from '../../shared/dashboards'

export type SqlCompletionKind = 'view' | 'column' | 'function' | 'keyword'

export interface SqlCompletion {
  label: string
  kind: SqlCompletionKind
  /** Shown next to the label: the views a column belongs to, a function's signature. */
  detail: string
  insertText: string
}

export const SQL_KEYWORDS = [
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP BY',
  'ORDER BY',
  'HAVING',
  'LIMIT',
  'JOIN',
  'LEFT JOIN',
  'ON',
  'AS',
  'AND',
  'OR',
  'NOT',
  'IN',
  'IS NULL',
  'IS NOT NULL',
  'LIKE',
  'BETWEEN',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'DISTINCT',
  'WITH',
  'DESC',
  'ASC',
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'coalesce',
  'strftime',
  'datetime',
  'json_extract',
]

/** Words that can follow a table name in FROM or JOIN and so are no alias. */
const NOT_ALIASES = new Set([
  'where',
  'join',
  'left',
  'right',
  'inner',
  'outer',
  'cross',
  'natural',
  'on',
  'using',
  'group',
  'order',
  'limit',
  'having',
  'union',
  'window',
])

/** Returns the views named in FROM and JOIN clauses, keyed by their name and by their alias. */
export function viewsByName(sql: string, views: readonly ViewSchema[]): Map<string, ViewSchema> {
  const known = new Map(views.map((view) => [view.name.toLowerCase(), view]))
  const found = new Map<string, ViewSchema>()
  const clause = /\b(?:from|join)\s+([a-z_]\w*)(?:\s+(?:as\s+)?([a-z_]\w*))?/gi
  for (const match of sql.matchAll(clause)) {
    const view = known.get(match[1]!.toLowerCase())
    if (view === undefined) continue
    found.set(view.name.toLowerCase(), view)
    const alias = match[2]?.toLowerCase()
    if (alias !== undefined && !NOT_ALIASES.has(alias)) found.set(alias, view)
  }
  return found
}

function columnCompletions(views: readonly ViewSchema[]): SqlCompletion[] {
  const owners = new Map<string, string[]>()
  for (const view of views) {
    for (const column of view.columns)
      owners.set(column, [...(owners.get(column) ?? []), view.name])
  }
  return [...owners].map(([column, names]) => ({
    label: column,
    kind: 'column',
    detail: `column of ${names.join(', ')}`,
    insertText: column,
  }))
}

/**
 * Returns the completions at the end of `textBefore` (the text up to the
 * cursor), reading view aliases from the whole statement `sql`. Columns
 * come from the views the statement names, or from every view when it
 * names none.
 */
export function sqlCompletions(
  textBefore: string,
  sql: string,
  schema: QuerySchemaJson,
): SqlCompletion[] {
  const named = viewsByName(sql, schema.views)
  const qualified = /([a-z_]\w*)\.\w*$/i.exec(textBefore)
  if (qualified !== null) {
    const view = named.get(qualified[1]!.toLowerCase())
    return view === undefined ? [] : columnCompletions([view])
  }
  const referenced = [...new Set(named.values())]
  const columns = columnCompletions(referenced.length > 0 ? referenced : schema.views)
  const views: SqlCompletion[] = schema.views.map((view) => ({
    label: view.name,
    kind: 'view',
    detail: `view, ${view.columns.length} columns`,
    insertText: view.name,
  }))
  const functions: SqlCompletion[] = schema.functions.map((fn) => ({
    label: fn.name,
    kind: 'function',
    detail: `${fn.signature}: ${fn.description}`,
    insertText: fn.name,
  }))
  const keywords: SqlCompletion[] = SQL_KEYWORDS.map((keyword) => ({
    label: keyword,
    kind: 'keyword',
    detail: 'SQL',
    insertText: keyword,
  }))
  return [...columns, ...views, ...functions, ...keywords]
}

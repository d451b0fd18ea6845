// Tells the normalization runner, from the core's own connection, whether
// any span or log record still waits for GenAI normalization or search
// indexing, so that it starts the worker thread only when there is work.
// It reads the cursors that GenAiNormalizer (genai/normalizer.ts) and
// SearchIndexer (search/indexer.ts) keep in `meta`, so the key names below
// must stay equal to theirs.

import type Database from 'better-sqlite3'
import { SEARCH_INDEX_VERSION } from '../search/indexer'
import { NORMALIZER_VERSION } from './normalize'

const GENAI_CURSOR_KEY = 'genai.cursor'
const GENAI_VERSION_KEY = 'genai.version'
const SEARCH_SPAN_CURSOR_KEY = 'search.span_cursor'
const SEARCH_LOG_CURSOR_KEY = 'search.log_cursor'
const SEARCH_VERSION_KEY = 'search.version'

export class PendingWork {
  private readonly statements

  constructor(db: Database.Database) {
    this.statements = {
      meta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      spanAfter: db.prepare('SELECT 1 FROM spans WHERE id > ? AND pending = 0 LIMIT 1'),
      logAfter: db.prepare('SELECT 1 FROM logs WHERE id > ? AND trace_id IS NOT NULL LIMIT 1'),
    }
  }

  /**
   * Returns true when the normalizer or the search indexer has rows left to
   * process. A cursor of an older version counts as 0, because both start
   * again from the first row when their version changes.
   */
  exists(): boolean {
    const { spanAfter, logAfter } = this.statements
    const genai = this.cursor(GENAI_CURSOR_KEY, GENAI_VERSION_KEY, NORMALIZER_VERSION)
    if (spanAfter.get(genai) !== undefined) return true
    const spans = this.cursor(SEARCH_SPAN_CURSOR_KEY, SEARCH_VERSION_KEY, SEARCH_INDEX_VERSION)
    if (spanAfter.get(spans) !== undefined) return true
    const logs = this.cursor(SEARCH_LOG_CURSOR_KEY, SEARCH_VERSION_KEY, SEARCH_INDEX_VERSION)
    return logAfter.get(logs) !== undefined
  }

  private cursor(cursorKey: string, versionKey: string, version: number): number {
    if (this.number(versionKey) !== version) return 0
    return this.number(cursorKey)
  }

  private number(key: string): number {
    return Number(this.statements.meta.get(key) ?? 0)
  }
}

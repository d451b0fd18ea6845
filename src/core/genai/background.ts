// The two passes that follow ingest on the same spans: GenAI normalization
// and search indexing. One step reads the next spans once for both and
// runs one batch of each, so the worker thread, the core's fallback in the
// main thread and the CLI's imports all drive them the same way.

import type Database from 'better-sqlite3'
import { SearchIndexer } from '../search/indexer'
import { GenAiNormalizer } from './normalizer'
import { BATCH_SPANS, SpanBatchReader } from './span-batch'

export interface StepResult {
  /** Spans and log records that either pass handled; 0 once both have caught up. */
  processed: number
  /** Traces whose normalized rows or search index changed. */
  traceIds: Set<string>
}

export class BackgroundPasses {
  readonly normalizer: GenAiNormalizer
  readonly indexer: SearchIndexer
  private readonly reader: SpanBatchReader

  constructor(db: Database.Database) {
    this.normalizer = new GenAiNormalizer(db)
    this.indexer = new SearchIndexer(db)
    this.reader = new SpanBatchReader(db)
  }

  /** Runs one batch of each pass, of at most `limit` spans. Each commits on its own. */
  step(limit = BATCH_SPANS): StepResult {
    const from = Math.min(this.normalizer.position(), this.indexer.spanPosition())
    const batch = this.reader.read(from, limit)
    const normalized = this.normalizer.runBatch(limit, batch)
    const indexed = this.indexer.runBatch(batch)
    return {
      processed: normalized.processed + indexed.processed,
      traceIds: new Set([...normalized.traceIds, ...indexed.traceIds]),
    }
  }

  /** Runs steps until both passes have caught up with the store. */
  drain(): void {
    while (this.step().processed > 0) {
      // Each step commits on its own.
    }
  }
}

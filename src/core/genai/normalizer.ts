// Normalization of stored spans, batch by batch, after they were committed
// and acknowledged. A cursor on span row ids (kept in `meta`) says how far it
// got; a new NORMALIZER_VERSION or a price change sets it back to 0, which
// recomputes every span and trace from the raw attributes.

import type Database from 'better-sqlite3'
import { NORMALIZER_VERSION, normalizeSpan } from './normalize'
import { priceCall, type PriceOverride } from './pricing'
import { rollupTrace, type RollupSpan } from './rollup'
import type { RecordedError } from './errors'
import {
  BATCH_SPANS,
  SpanBatchReader,
  spansAfter,
  type BatchSpan,
  type SpanBatch,
} from './span-batch'

const CURSOR_KEY = 'genai.cursor'
const VERSION_KEY = 'genai.version'

interface GenaiRow {
  span_row_id: number
  span_id: string
  parent_span_id: string | null
  kind: RollupSpan['kind']
  agent_name: string | null
  model: string | null
  tool_name: string | null
  input_tokens: number | null
  output_tokens: number | null
  cache_read_tokens: number | null
  cache_write_tokens: number | null
  reasoning_tokens: number | null
  cost_usd: number | null
  cost_source: string
  recorded_error: string | null
  retried: number
  error_class: string
  error: string | null
  counted: number
}

export interface BatchResult {
  processed: number
  traceIds: Set<string>
}

export class GenAiNormalizer {
  private readonly statements
  private readonly reader: SpanBatchReader

  constructor(private readonly db: Database.Database) {
    this.reader = new SpanBatchReader(db)
    this.statements = {
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      upsertSpan: db.prepare(
        `INSERT OR REPLACE INTO span_genai (span_row_id, trace_id, kind, convention, title, provider, model,
           agent_name, tool_name, tool_call_id, input_tokens, output_tokens, cache_read_tokens,
           cache_write_tokens, reasoning_tokens, cost_usd, cost_source, cost, error_class, error, retried,
           counted, level, span_type, recorded_error, detail)
         SELECT @spanRowId, @traceId, @kind, @convention, @title, @provider, @model, @agentName, @toolName,
           @toolCallId, @inputTokens, @outputTokens, @cacheReadTokens, @cacheWriteTokens, @reasoningTokens,
           @costUsd, @costSource, @cost, 'none', NULL, @retried, 1, @level, @spanType, @recordedError, @detail
         WHERE EXISTS (SELECT 1 FROM spans WHERE id = @spanRowId)`,
      ),
      traceSpans: db.prepare(
        `SELECT g.span_row_id, s.span_id, s.parent_span_id, g.kind, g.agent_name, g.model, g.tool_name,
           g.input_tokens, g.output_tokens, g.cache_read_tokens, g.cache_write_tokens, g.reasoning_tokens,
           g.cost_usd, g.cost_source, g.recorded_error, g.retried, g.error_class, g.error, g.counted
         FROM span_genai g JOIN spans s ON s.id = g.span_row_id
         WHERE g.trace_id = ? ORDER BY s.start_ns, s.id`,
      ),
      rootOf: db.prepare('SELECT root_span_id FROM traces WHERE trace_id = ?').pluck(),
      titleOf: db
        .prepare(
          `SELECT g.title FROM span_genai g JOIN spans s ON s.id = g.span_row_id
           WHERE s.trace_id = ? AND s.span_id = ? LIMIT 1`,
        )
        .pluck(),
      setVerdict: db.prepare(
        'UPDATE span_genai SET error_class = ?, error = ?, counted = ? WHERE span_row_id = ?',
      ),
      upsertTrace: db.prepare(
        `INSERT OR REPLACE INTO trace_genai (trace_id, root_title, agent_name, models, model_calls, tool_calls, tool_retries,
           model_retries, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd,
           unpriced_calls, error_class, error, normalized_spans)
         VALUES (@traceId, @rootTitle, @agentName, @models, @modelCalls, @toolCalls, @toolRetries, @modelRetries, @inputTokens,
           @outputTokens, @cacheReadTokens, @cacheWriteTokens, @reasoningTokens, @costUsd, @unpricedCalls,
           @errorClass, @error, @normalizedSpans)`,
      ),
      overrides: db.prepare('SELECT * FROM price_overrides'),
    }
  }

  /**
   * Normalizes the next spans, rolls up their traces and returns what changed.
   * `shared` is a batch already read for the search indexer too. It is used
   * when it covers this pass's cursor, else the pass reads its own.
   */
  runBatch(limit = BATCH_SPANS, shared?: SpanBatch): BatchResult {
    const cursor = this.position()
    const ready = shared ? spansAfter(shared, cursor) : null
    // The spans are read and normalized before the write lock is taken, so
    // that the ingest writer waits only for the upserts and rollups.
    const spans = ready ?? this.reader.read(cursor, limit).spans
    if (spans.length === 0) return { processed: 0, traceIds: new Set() }
    const overrides = this.loadOverrides()
    const rows = spans.map((span) => this.normalizedRow(span, overrides))
    return this.db
      .transaction((): BatchResult => {
        const traceIds = new Set<string>()
        // Another normalizer on this store (a CLI import) may have moved on meanwhile.
        if (this.position() !== cursor) return { processed: 0, traceIds }
        if (cursor === 0) this.statements.setMeta.run(VERSION_KEY, String(NORMALIZER_VERSION))
        for (const row of rows) {
          // Retention may have deleted the span since it was read; the upsert then skips it.
          if (this.statements.upsertSpan.run(row).changes > 0) traceIds.add(row.traceId)
        }
        for (const traceId of traceIds) this.rollup(traceId)
        this.statements.setMeta.run(CURSOR_KEY, String(spans[spans.length - 1]!.id))
        return { processed: spans.length, traceIds }
      })
      .immediate()
  }

  /**
   * Returns the row id after which spans wait for normalization: the stored
   * cursor, or 0 when the store was normalized by another NORMALIZER_VERSION.
   */
  position(): number {
    if (Number(this.statements.getMeta.get(VERSION_KEY) ?? 0) !== NORMALIZER_VERSION) return 0
    return Number(this.statements.getMeta.get(CURSOR_KEY) ?? 0)
  }

  /** Recompute everything from the raw spans, e.g. after prices changed. */
  restart(): void {
    this.statements.setMeta.run(CURSOR_KEY, '0')
  }

  private loadOverrides(): PriceOverride[] {
    return (this.statements.overrides.all() as Record<string, unknown>[]).map((row) => ({
      provider: row.provider as string,
      model: row.model as string,
      inputPerMTok: row.input_per_mtok as number,
      outputPerMTok: row.output_per_mtok as number,
      cacheReadPerMTok: (row.cache_read_per_mtok as number | null) ?? null,
      cacheWritePerMTok: (row.cache_write_per_mtok as number | null) ?? null,
    }))
  }

  /** Returns the span_genai row of one span, as the parameters of upsertSpan. */
  private normalizedRow(row: BatchSpan, overrides: PriceOverride[]) {
    const span = normalizeSpan(row.input, { content: false })
    const cost =
      span.kind === 'model'
        ? priceCall({
            provider: span.provider,
            model: span.model,
            usage: span.usage,
            sdkUsd: span.sdkCostUsd,
            serverAddress: span.serverAddress,
            startTime: new Date(Number(row.startNs / 1_000_000n)),
            overrides,
          })
        : null
    return {
      spanRowId: row.id,
      traceId: row.traceId,
      kind: span.kind,
      convention: span.convention,
      title: span.title,
      provider: span.provider,
      model: span.model,
      agentName: span.agentName,
      toolName: span.toolName,
      toolCallId: span.toolCallId,
      inputTokens: span.usage.input,
      outputTokens: span.usage.output,
      cacheReadTokens: span.usage.cacheRead,
      cacheWriteTokens: span.usage.cacheWrite,
      reasoningTokens: span.usage.reasoning,
      costUsd: cost?.usd ?? null,
      costSource: cost?.source ?? 'none',
      cost: cost ? JSON.stringify(cost) : null,
      retried: span.retried ? 1 : 0,
      level: span.level,
      spanType: span.spanType,
      recordedError: span.error ? JSON.stringify(span.error) : null,
      // Messages and tool payloads are read from the raw attributes when a span
      // is shown, so they are not stored twice.
      detail: JSON.stringify({ inspector: span.inspector }),
    }
  }

  // NOTE: a rollup reads every normalized span of the trace, so a trace that
  // arrives in many batches costs time quadratic in its span count.
  private rollup(traceId: string): void {
    const rows = this.statements.traceSpans.all(traceId) as GenaiRow[]
    const spans: RollupSpan[] = rows.map((row) => ({
      spanId: row.span_id,
      parentSpanId: row.parent_span_id,
      kind: row.kind,
      agentName: row.agent_name,
      model: row.model,
      toolName: row.tool_name,
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      cacheReadTokens: row.cache_read_tokens,
      cacheWriteTokens: row.cache_write_tokens,
      reasoningTokens: row.reasoning_tokens,
      costUsd: row.cost_usd,
      costSource: row.cost_source,
      error: row.recorded_error ? (JSON.parse(row.recorded_error) as RecordedError) : null,
      retried: row.retried === 1,
    }))
    const root = (this.statements.rootOf.get(traceId) as string | null | undefined) ?? null
    const { verdicts, trace } = rollupTrace(spans, root)
    verdicts.forEach((verdict, index) => {
      const row = rows[index]!
      const evidence = verdict.evidence ? JSON.stringify(verdict.evidence) : null
      const counted = verdict.counted ? 1 : 0
      // Most spans keep the verdict they were stored with (no error, counted),
      // so only the changed ones are written.
      if (
        row.error_class === verdict.errorClass &&
        row.error === evidence &&
        row.counted === counted
      ) {
        return
      }
      this.statements.setVerdict.run(verdict.errorClass, evidence, counted, row.span_row_id)
    })
    this.statements.upsertTrace.run({
      traceId,
      rootTitle:
        root === null
          ? null
          : ((this.statements.titleOf.get(traceId, root) as string | undefined) ?? null),
      ...trace,
      models: JSON.stringify(trace.models),
      error: trace.error ? JSON.stringify(trace.error) : null,
      normalizedSpans: rows.length,
    })
  }
}

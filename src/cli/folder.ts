// Access of CLI commands to a data folder: through the core that serves it
// when one runs (found by its discovery file), or by opening the store directly.

import { existsSync, statSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { join } from 'node:path'
import { InvalidArgumentError, Option } from 'commander'
import pino from 'pino'
import type { TraceDetail } from '../shared/api'
import { serializeTraceFilter, type TraceFilter, type TraceListItem } from '../shared/trace-filter'
import { acquireLock, readDiscovery, releaseLock, type Discovery } from '../core/discovery'
import { Ingestor } from '../core/ingest'
import type { BodyEncoding, PartialSuccess } from '../core/otlp/responses'
import { DATABASE_FILE, ensureWritableFolder, openDatabase } from '../core/store/database'
import { exportTraceAsOtlpJson } from '../core/store/export'
import { TraceQueries } from '../core/store/queries'
import { countUnindexedSpans, SearchIndexer } from '../core/search/indexer'
import { TraceSearch } from '../core/search/trace-search'
import { SpanWriter } from '../core/store/writer'

export interface ImportResult {
  partial: PartialSuccess | null
}

export interface TraceSource {
  /** The source of the data for messages: the core's UI URL or the folder. */
  readonly description: string
  /** Returns the newest traces that meet `filter`, with where the text matched. */
  listTraces(limit: number, filter?: TraceFilter): Promise<TraceListItem[]>
  traceDetail(traceId: string): Promise<TraceDetail | null>
  exportTrace(traceId: string): Promise<object | null>
  importBody(
    body: Buffer,
    encoding: BodyEncoding,
    contentEncoding: string | null,
  ): Promise<ImportResult>
  close(): void
}

/** Returns the `--data` option that every command reading or writing a data folder takes. */
export const dataOption = (): Option =>
  new Option(
    '--data <dir>',
    'data folder (default: LOUPE_DATA_DIR or the per-user Loupe folder)',
  ).argParser(parseFolderPath)

/** Rejects an empty `--data`, which would otherwise name no folder at all. */
function parseFolderPath(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a folder path')
  return value
}

export class CliError extends Error {
  override name = 'CliError'
}

/**
 * Throws CliError when `dataDir` is a file, or when it does not exist and
 * `allowMissing` is false. Commands call it before they read or create the
 * folder, so that a wrong --data or LOUPE_DATA_DIR is named as such.
 */
export function verifyDataFolder(dataDir: string, options: { allowMissing?: boolean } = {}): void {
  if (!existsSync(dataDir)) {
    if (options.allowMissing) return
    throw new CliError(`no Loupe data folder at ${dataDir}; check --data or LOUPE_DATA_DIR`)
  }
  if (!statSync(dataDir).isDirectory()) {
    throw new CliError(
      `${dataDir} is a file, not a Loupe data folder; check --data or LOUPE_DATA_DIR`,
    )
  }
}

export function openFolder(dataDir: string, options: { create?: boolean } = {}): TraceSource {
  verifyDataFolder(dataDir, { allowMissing: options.create })
  const running = readDiscovery(dataDir)
  return running ? new RunningCore(running) : new LocalFolder(dataDir)
}

class RunningCore implements TraceSource {
  readonly description: string

  constructor(private readonly core: Discovery) {
    this.description = `the Loupe core at ${core.uiUrl} (pid ${core.pid})`
  }

  async listTraces(limit: number, filter: TraceFilter = {}): Promise<TraceListItem[]> {
    const params = serializeTraceFilter(filter)
    params.set('limit', String(limit))
    params.set('wait', '1')
    return (await this.getJson(`/api/traces?${params.toString()}`)) as TraceListItem[]
  }

  async traceDetail(traceId: string): Promise<TraceDetail | null> {
    return (await this.getJson(
      `/api/traces/${encodeURIComponent(traceId)}/full?wait=1`,
    )) as TraceDetail | null
  }

  async exportTrace(traceId: string): Promise<object | null> {
    return (await this.getJson(`/api/traces/${encodeURIComponent(traceId)}/export`)) as
      object | null
  }

  async importBody(
    body: Buffer,
    encoding: BodyEncoding,
    contentEncoding: string | null,
  ): Promise<ImportResult> {
    if (this.core.otlpHttpPort === null)
      throw new CliError(`${this.description} has no OTLP/HTTP port`)
    const headers: Record<string, string> = {
      'Content-Type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
    }
    if (contentEncoding) headers['Content-Encoding'] = contentEncoding
    const host =
      this.core.host === '0.0.0.0' || this.core.host === '::' ? '127.0.0.1' : this.core.host
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${this.core.otlpHttpPort}/v1/traces`
    let response: Response
    try {
      response = await fetch(url, { method: 'POST', headers, body })
    } catch (error) {
      throw new CliError(`cannot reach ${this.description}: ${(error as Error).message}`)
    }
    const text = await response.text()
    if (response.status === 413) {
      // The core's advice is for exporters, so an import gets steps of its own.
      throw new CliError(
        `the file is larger than ${this.description} accepts in one request (HTTP 413); ` +
          'restart it with a larger --max-body-mb, or stop it so that loupe import stores the file itself',
      )
    }
    if (!response.ok)
      throw new CliError(
        `${url} rejected the file (HTTP ${response.status}): ${statusMessage(text)}`,
      )
    if (encoding === 'protobuf') return { partial: null }
    const reply = text ? (JSON.parse(text) as { partialSuccess?: Record<string, string> }) : {}
    const partial = reply.partialSuccess
    return {
      partial: partial
        ? { rejected: Number(partial.rejectedSpans ?? 0), errorMessage: partial.errorMessage ?? '' }
        : null,
    }
  }

  close(): void {}

  private async getJson(path: string): Promise<unknown> {
    const url = `${this.core.uiUrl}${path}`
    let response: Response
    try {
      response = await fetch(url, { headers: { Authorization: `Bearer ${this.core.token}` } })
    } catch (error) {
      throw new CliError(`cannot reach ${this.description}: ${(error as Error).message}`)
    }
    if (response.status === 404) return null
    if (response.status === 400) {
      throw new CliError(`${this.description} rejected the request: ${await errorText(response)}`)
    }
    if (!response.ok) {
      throw new CliError(
        `${this.description} returned HTTP ${response.status}: ${await response.text()}`,
      )
    }
    return response.json()
  }
}

/** Returns the `error` of a JSON error body, or the body as it is. */
async function errorText(response: Response): Promise<string> {
  const text = await response.text()
  try {
    return (JSON.parse(text) as { error?: string }).error ?? text
  } catch {
    return text.trim()
  }
}

function statusMessage(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text
  } catch {
    return text.trim()
  }
}

class LocalFolder implements TraceSource {
  readonly description: string
  private queries: TraceQueries | null = null

  constructor(private readonly dataDir: string) {
    this.description = `the folder ${dataDir}`
  }

  async listTraces(limit: number, filter: TraceFilter = {}): Promise<TraceListItem[]> {
    if (filter.text !== undefined) indexFolder(this.dataDir, this.reader())
    const reader = this.reader()
    return reader ? new TraceSearch(reader.database).list(filter, { limit }) : []
  }

  async traceDetail(traceId: string): Promise<TraceDetail | null> {
    return this.reader()?.getTraceDetail(traceId) ?? null
  }

  async exportTrace(traceId: string): Promise<object | null> {
    const reader = this.reader()
    return reader ? exportTraceAsOtlpJson(reader, traceId) : null
  }

  async importBody(
    body: Buffer,
    encoding: BodyEncoding,
    contentEncoding: string | null,
  ): Promise<ImportResult> {
    const plain = contentEncoding === 'gzip' ? gunzipSync(body) : body
    // Creates the folder first, so that a path it cannot create is reported as such, not as a lock failure.
    ensureWritableFolder(this.dataDir)
    acquireLock(this.dataDir)
    const db = openDatabase(this.dataDir)
    try {
      const writer = new SpanWriter(db)
      const ingestor = new Ingestor(writer, pino({ level: 'error' }, pino.destination(2)))
      const outcome = await ingestor.ingest('traces', encoding, plain, 'import')
      writer.close()
      // No core runs to normalize and index in the background, so do it now.
      // Loaded here, so that commands that never normalize skip the price data.
      const { BackgroundPasses } = await import('../core/genai/background')
      new BackgroundPasses(db).drain()
      return { partial: outcome.partial }
    } finally {
      db.close()
      releaseLock(this.dataDir)
    }
  }

  close(): void {
    this.queries?.database.close()
  }

  /** Open a read-only view of the store, or return null when the folder has no store yet. */
  private reader(): TraceQueries | null {
    if (this.queries) return this.queries
    if (!existsSync(join(this.dataDir, DATABASE_FILE))) return null
    this.queries = new TraceQueries(openDatabase(this.dataDir, { readonly: true }))
    return this.queries
  }
}

/**
 * Indexes the spans that no core indexed yet (a core stopped before it
 * caught up, or a store from before search existed), so that a text search
 * without a running core finds every span. It takes the folder's lock, as
 * a core would. When it cannot take the lock or write the store, it prints
 * a warning, and the search reads what is indexed.
 */
function indexFolder(dataDir: string, reader: TraceQueries | null): void {
  if (!reader || !needsIndexing(reader)) return
  const warn = (error: unknown) =>
    process.stderr.write(
      `warning: cannot index the spans of ${dataDir} that are not indexed for search yet ` +
        `(${(error as Error).message}); the text search may miss them\n`,
    )
  try {
    acquireLock(dataDir)
  } catch (error) {
    warn(error)
    return
  }
  try {
    const db = openDatabase(dataDir)
    try {
      const indexer = new SearchIndexer(db)
      while (indexer.runBatch().processed > 0) {
        // Each batch commits on its own.
      }
    } finally {
      db.close()
    }
  } catch (error) {
    warn(error)
  } finally {
    releaseLock(dataDir)
  }
}

function needsIndexing(reader: TraceQueries): boolean {
  try {
    return countUnindexedSpans(reader.database) > 0
  } catch {
    // A store from before search existed has no search_text table until it is opened for writing.
    return true
  }
}

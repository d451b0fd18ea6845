// `loupe import --from tempo|jaeger BASEURL TRACEID`: fetches one trace from
// a remote query API and stores it in the data folder, through its running
// core when there is one.

import { existsSync } from 'node:fs'
import { Option } from 'commander'
import { readDiscovery, type Discovery } from '../core/discovery'
import { RemoteImportError } from '../core/import/errors'
import {
  checkBaseUrl,
  checkRemoteTraceId,
  fetchRemoteTrace,
  REMOTE_SOURCES,
  type RemoteSource,
} from '../core/import/remote'
import type { RemoteImportRequest, RemoteImportResult } from '../shared/import'
import { CliError, openFolder, verifyDataFolder } from './folder'

export function fromOption(): Option {
  return new Option(
    '--from <api>',
    'fetch one trace by id from a query API instead of reading a file; the arguments are then ' +
      'BASEURL TRACEID (e.g. http://localhost:3200 for Tempo, http://localhost:16686 for Jaeger)',
  ).choices([...REMOTE_SOURCES])
}

/** Fetches and stores the trace; returns the lines to print. Throws CliError. */
export async function importFromQueryApi(
  baseUrl: string,
  traceId: string | undefined,
  from: RemoteSource | undefined,
  dataDir: string,
): Promise<string[]> {
  if (from === undefined) {
    throw new CliError(
      `a second argument (${traceId}) needs --from tempo or --from jaeger; to import a file, give only the file`,
    )
  }
  if (traceId === undefined) {
    throw new CliError(
      `--from ${from} needs the base URL and the trace id: loupe import --from ${from} BASEURL TRACEID`,
    )
  }
  // Checked here as well as in the core, so that a URL with a password is
  // rejected before it is sent anywhere.
  try {
    checkBaseUrl(baseUrl)
    checkRemoteTraceId(traceId)
  } catch (error) {
    if (error instanceof RemoteImportError) throw new CliError(error.message)
    throw error
  }
  // Checked before the fetch, so that a file given as --data fails without a request.
  verifyDataFolder(dataDir, { allowMissing: true })
  const request: RemoteImportRequest = { from, baseUrl, traceId }
  const running = existsSync(dataDir) ? readDiscovery(dataDir) : null
  const result = running
    ? await importThroughCore(running, request)
    : await importIntoFolder(dataDir, request)
  const lines = [
    `imported ${result.spans} spans of trace ${result.traceIds.join(', ')} from ${result.url}`,
    `show it with: loupe show ${result.traceIds[0]}`,
  ]
  if (result.warning) lines.push(`warning: ${result.warning}`)
  return lines
}

/**
 * Asks the running core to fetch and store the trace, so that it takes the
 * core's ingest path but not its OTLP receiver, which may forward it.
 */
async function importThroughCore(
  core: Discovery,
  request: RemoteImportRequest,
): Promise<RemoteImportResult> {
  let response: Response
  try {
    response = await fetch(`${core.uiUrl}/api/import`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${core.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    })
  } catch (error) {
    throw new CliError(`cannot reach the Loupe core at ${core.uiUrl}: ${(error as Error).message}`)
  }
  const body = (await response.json()) as RemoteImportResult & { error?: string }
  if (!response.ok) throw new CliError(body.error ?? `the core returned HTTP ${response.status}`)
  return body
}

async function importIntoFolder(
  dataDir: string,
  request: RemoteImportRequest,
): Promise<RemoteImportResult> {
  let trace
  try {
    trace = await fetchRemoteTrace(request.from, request.baseUrl, request.traceId)
  } catch (error) {
    if (error instanceof RemoteImportError) throw new CliError(error.message)
    throw error
  }
  const source = openFolder(dataDir, { create: true })
  try {
    const { partial } = await source.importBody(trace.body, 'json', null)
    return {
      traceIds: trace.traceIds,
      spans: trace.spans,
      url: trace.url,
      warning: partial?.errorMessage || null,
    }
  } finally {
    source.close()
  }
}

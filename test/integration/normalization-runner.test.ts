// The GenAI normalization runner starts its worker thread only when spans
// wait, and stops it after a stop delay without work. These tests use the
// worker script built into out/main by `npx electron-vite build`.

import type Database from 'better-sqlite3'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { buildRequest, renumberTraces, type RequestBodies } from '../../bench/workload'
import { NormalizationRunner, type RunnerOptions } from '../../src/core/genai/runner'
import { decodeTracesProto } from '../../src/core/otlp/decode-proto'
import { openDatabase } from '../../src/core/store/database'
import { SpanWriter } from '../../src/core/store/writer'
import { makeDataDir, removeDir } from '../helpers/core'

const STARTED = 'started the GenAI normalization worker'
const STOPPED = 'stopped the GenAI normalization worker'
const SPANS = 32

const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface LogEntry {
  msg: string
  [field: string]: unknown
}

interface Store {
  dataDir: string
  db: Database.Database
  writer: SpanWriter
}

function openStore(): Store {
  const dataDir = makeDataDir('loupe-runner-')
  cleanups.push(() => removeDir(dataDir))
  const db = openDatabase(dataDir)
  cleanups.push(() => {
    db.close()
  })
  const writer = new SpanWriter(db)
  cleanups.push(() => writer.close())
  return { dataDir, db, writer }
}

/** Starts a runner on the store and collects its log messages. */
function startRunner(
  store: Store,
  options: Partial<RunnerOptions> = {},
): { runner: NormalizationRunner; messages: string[]; entries: LogEntry[] } {
  const messages: string[] = []
  const entries: LogEntry[] = []
  const log = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        const entry = JSON.parse(line) as LogEntry
        entries.push(entry)
        messages.push(entry.msg)
      },
    },
  )
  const runner = new NormalizationRunner({
    db: store.db,
    dataDir: store.dataDir,
    log,
    onChanged: () => {},
    ...options,
  })
  cleanups.push(() => runner.stop())
  return { runner, messages, entries }
}

async function writeTrace(store: Store, bodies: RequestBodies, sequence: number): Promise<void> {
  await store.writer.writeTraces(decodeTracesProto(renumberTraces(bodies, sequence)))
}

function normalizedSpans(db: Database.Database): number {
  return db.prepare('SELECT count(*) FROM span_genai').pluck().get() as number
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}

describe('normalization runner', () => {
  it('starts no worker on an empty store', async () => {
    const { runner, messages } = startRunner(openStore())
    await runner.whenIdle()
    // Past one check of the store for spans written without a poke.
    await new Promise((resolve) => setTimeout(resolve, 1200))
    expect(messages).not.toContain(STARTED)
  })

  it('starts a worker for spans stored before it', async () => {
    const store = openStore()
    await writeTrace(store, buildRequest('genai', SPANS), 1)
    const { runner, messages } = startRunner(store)
    await runner.whenIdle()
    expect(normalizedSpans(store.db)).toBe(SPANS)
    expect(messages).toContain(STARTED)
  })

  it('limits the worker young generation', async () => {
    const store = openStore()
    await writeTrace(store, buildRequest('genai', SPANS), 1)
    const { runner, entries } = startRunner(store)
    await runner.whenIdle()
    const started = entries.find((entry) => entry.msg === STARTED)
    expect(started?.youngGenerationMb).toBe(12)
    expect(runner.workerResourceLimits()?.maxYoungGenerationSizeMb).toBe(12)
  })

  it('stops an idle worker and starts it again for new spans', async () => {
    const store = openStore()
    const bodies = buildRequest('genai', SPANS)
    const { runner, messages } = startRunner(store, { idleStopMs: 300 })
    await writeTrace(store, bodies, 1)
    runner.poke()
    await runner.whenIdle()
    expect(normalizedSpans(store.db)).toBe(SPANS)
    expect(await waitFor(() => messages.some((m) => m.startsWith(STOPPED)), 5000)).toBe(true)

    await writeTrace(store, bodies, 2)
    runner.poke()
    await runner.whenIdle()
    expect(normalizedSpans(store.db)).toBe(2 * SPANS)
    expect(messages.filter((m) => m === STARTED)).toHaveLength(2)
  })

  it('normalizes in its own thread without a worker', async () => {
    const store = openStore()
    await writeTrace(store, buildRequest('genai', SPANS), 1)
    const { runner, messages } = startRunner(store, { inline: true })
    await runner.whenIdle()
    expect(normalizedSpans(store.db)).toBe(SPANS)
    expect(messages).not.toContain(STARTED)
  })
})

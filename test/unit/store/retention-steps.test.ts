// Retention steps on a real SQLite store. A trace larger than one step is
// deleted over several, with its summary kept true until the last one. A
// store created without incremental vacuum is converted when it is small.

import pino from 'pino'
import { afterEach, describe, expect, test } from 'vitest'
import { buildRequest } from '../../../bench/workload'
import { Ingestor } from '../../../src/core/ingest'
import { decodeTracesProto } from '../../../src/core/otlp/decode-proto'
import { enableIncrementalVacuum } from '../../../src/core/store/auto-vacuum'
import { openDatabase } from '../../../src/core/store/database'
import { ROWS_PER_STEP, RetentionSteps } from '../../../src/core/store/retention-steps'
import { SpanWriter } from '../../../src/core/store/writer'
import { makeDataDir, removeDir } from '../../helpers/core'

const log = pino({ level: 'silent' })
const cleanups: (() => void)[] = []

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

function openStore() {
  const dataDir = makeDataDir('loupe-retention-unit-')
  const db = openDatabase(dataDir)
  cleanups.push(() => removeDir(dataDir))
  cleanups.push(() => db.close())
  const writer = new SpanWriter(db)
  return { db, dataDir, ingestor: new Ingestor(writer, log) }
}

describe('RetentionSteps', () => {
  test('deletes a trace larger than a step over several steps', async () => {
    const { db, ingestor } = openStore()
    // One request whose 2,560 spans all go into one trace.
    const request = buildRequest('apm', 2_560, 4)
    const decoded = decodeTracesProto(request.protobuf)
    const traceId = decoded.groups[0]!.spans[0]!.traceId
    for (const group of decoded.groups) for (const span of group.spans) span.traceId = traceId
    await ingestor.writeDecoded(decoded)
    const spanCount = () => (db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n
    const summary = () =>
      db.prepare('SELECT span_count FROM traces WHERE trace_id = ?').get(traceId) as
        { span_count: number } | undefined
    expect(spanCount()).toBe(2_560)

    const steps = new RetentionSteps(db)
    const first = db.transaction(() => steps.deleteStep({ kind: 'size', targetBytes: 0 }))()
    expect(first.spans).toBeGreaterThanOrEqual(ROWS_PER_STEP)
    expect(first.spans).toBeLessThan(2_560)
    expect(first.traces).toBe(0)
    // The summary counts the spans that are left, so the trace list stays true.
    expect(summary()?.span_count).toBe(spanCount())

    let deletedTraces = 0
    for (let step = 0; step < 10 && summary(); step++) {
      deletedTraces += db.transaction(() => steps.deleteStep({ kind: 'size', targetBytes: 0 }))()
        .traces
    }
    expect(deletedTraces).toBe(1)
    expect(spanCount()).toBe(0)
    expect(summary()).toBeUndefined()
  })

  test('deletes nothing before the cutoff of an age step', async () => {
    const { db, ingestor } = openStore()
    await ingestor.writeDecoded(decodeTracesProto(buildRequest('apm', 64, 5).protobuf))
    const steps = new RetentionSteps(db)
    const counts = db.transaction(() =>
      steps.deleteStep({ kind: 'age', cutoffMs: Date.now() - 60_000 }),
    )()
    expect(counts).toEqual({ traces: 0, spans: 0, logs: 0, metricBatches: 0, runs: 0 })
  })
})

describe('enableIncrementalVacuum', () => {
  test('converts a small store created without it', async () => {
    const { db, ingestor } = openStore()
    await ingestor.writeDecoded(decodeTracesProto(buildRequest('apm', 64, 6).protobuf))
    db.pragma('auto_vacuum = NONE')
    db.exec('VACUUM')
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(0)

    expect(enableIncrementalVacuum(db, log)).toBe('converted')
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2)
    expect(enableIncrementalVacuum(db, log)).toBe('already')
    expect((db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n).toBe(64)
  })

  test('leaves a store over the limit as it is', () => {
    const { db } = openStore()
    db.pragma('auto_vacuum = NONE')
    db.exec('VACUUM')
    expect(enableIncrementalVacuum(db, log, 1)).toBe('too-large')
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(0)
  })
})

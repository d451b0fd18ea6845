// The CPU cost of each stage that a span goes through, measured one stage at
// a time in this process, on one thread and a store in a temporary folder.
// The stages are decoding, secret redaction, cutting long values, the
// committed insert, and the background passes (GenAI normalization and
// search indexing). Their sum
// is the CPU that a core must spend per span whatever the transport, so it
// shows which stage keeps the end-to-end figures from their targets.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BackgroundPasses } from '../src/core/genai/background'
import { decodeTracesProto } from '../src/core/otlp/index'
import { DEFAULT_MAX_ATTRIBUTE_BYTES, ValueTruncator } from '../src/core/otlp/truncate'
import { redactTraces } from '../src/core/redact/decoded'
import { Redactor } from '../src/core/redact/redactor'
import { openDatabase } from '../src/core/store/database'
import { SpanWriter } from '../src/core/store/writer'
import { renumberTraces, type Profile, type RequestBodies } from './workload'

/** Requests decoded and stored per profile: about 95 MB of GenAI protobuf, or 50,000 small spans. */
const REQUESTS: Record<Profile, number> = { genai: 30, apm: 100 }

/** CPU microseconds per span of each stage. */
export interface StageCosts {
  decode: number
  redact: number
  truncate: number
  write: number
  passes: number
}

/** Returns the CPU time used by this process so far, in milliseconds. */
function cpuMs(): number {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

export async function measureStages(profile: Profile, bodies: RequestBodies): Promise<StageCosts> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-bench-stages-'))
  const db = openDatabase(dataDir)
  const writer = new SpanWriter(db)
  const redactor = new Redactor()
  const truncator = new ValueTruncator(DEFAULT_MAX_ATTRIBUTE_BYTES)
  const totals: StageCosts = { decode: 0, redact: 0, truncate: 0, write: 0, passes: 0 }
  const requests = REQUESTS[profile]
  try {
    for (let request = 0; request < requests; request++) {
      const body = renumberTraces(bodies, request + 1)
      let started = cpuMs()
      const decoded = decodeTracesProto(body)
      totals.decode += cpuMs() - started
      started = cpuMs()
      redactTraces(redactor, decoded)
      totals.redact += cpuMs() - started
      started = cpuMs()
      truncator.truncateTraces(decoded)
      totals.truncate += cpuMs() - started
      started = cpuMs()
      await writer.writeTraces(decoded)
      totals.write += cpuMs() - started
    }
    const started = cpuMs()
    new BackgroundPasses(db).drain()
    totals.passes = cpuMs() - started
  } finally {
    writer.close()
    db.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  const spans = requests * bodies.spans
  const perSpan = (ms: number) => (ms * 1000) / spans
  return {
    decode: perSpan(totals.decode),
    redact: perSpan(totals.redact),
    truncate: perSpan(totals.truncate),
    write: perSpan(totals.write),
    passes: perSpan(totals.passes),
  }
}

/**
 * Returns the table of stage costs, one row per profile. A cost in CPU
 * microseconds per span is also the CPU seconds per million spans.
 */
export function formatStageCosts(costs: Map<Profile, StageCosts>): string[] {
  const lines = [
    '| profile | decode | redact | cut long values | insert and commit | normalize and index | total |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const [profile, cost] of costs) {
    const total = cost.decode + cost.redact + cost.truncate + cost.write + cost.passes
    const cells = [cost.decode, cost.redact, cost.truncate, cost.write, cost.passes, total]
    lines.push(`| ${profile} | ${cells.map((micros) => micros.toFixed(1)).join(' | ')} |`)
  }
  return lines
}

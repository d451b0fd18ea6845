// Which session a trace joins: the attribute ranks, empty and scrubbed
// values, span against resource attributes, the writer's upsert, the
// migration's backfill of stores written before sessions existed, and
// retention.

import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeTracesJson } from '../../../src/core/otlp/decode-json'
import { DATABASE_FILE, openDatabase } from '../../../src/core/store/database'
import { RetentionSteps } from '../../../src/core/store/retention-steps'
import { migrations } from '../../../src/core/store/schema'
import { findSession } from '../../../src/core/store/session-index'
import { SpanWriter } from '../../../src/core/store/writer'
import { makeDataDir, removeDir } from '../../helpers/core'

const cleanups: (() => void)[] = []

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

type Attributes = Record<string, string>

interface SpanSpec {
  traceId: string
  spanId: string
  attributes?: Attributes
}

function otlpJson(spans: SpanSpec[], resource: Attributes = {}): string {
  const keyValues = (attributes: Attributes) =>
    Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } }))
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: keyValues({ 'service.name': 'svc', ...resource }) },
        scopeSpans: [
          {
            scope: { name: 'sessions-test' },
            spans: spans.map((spec) => ({
              traceId: spec.traceId,
              spanId: spec.spanId,
              name: 'turn',
              kind: 1,
              startTimeUnixNano: '1796378400000000000',
              endTimeUnixNano: '1796378401000000000',
              attributes: keyValues(spec.attributes ?? {}),
            })),
          },
        ],
      },
    ],
  })
}

function traceId(n: number): string {
  return n.toString(16).padStart(32, '0')
}

function spanId(n: number): string {
  return n.toString(16).padStart(16, '0')
}

function sessionRows(db: Database.Database): Record<string, [string, string]> {
  const rows = db
    .prepare('SELECT trace_id, session_id, source FROM trace_sessions ORDER BY trace_id')
    .all() as { trace_id: string; session_id: string; source: string }[]
  return Object.fromEntries(rows.map((row) => [row.trace_id, [row.session_id, row.source]]))
}

function freshStore(): Database.Database {
  const dataDir = makeDataDir('loupe-sessions-')
  cleanups.push(() => removeDir(dataDir))
  const db = openDatabase(dataDir)
  cleanups.push(() => db.close())
  return db
}

describe('findSession', () => {
  it('ranks session.id over the conversation id', () => {
    expect(
      findSession({ 'gen_ai.conversation.id': 'c1', 'session.id': 's1' }, { session_id: 'r1' }),
    ).toEqual({ sessionId: 's1', source: 'session.id', rank: 1 })
    expect(findSession({ 'gen_ai.conversation.id': 'c1' }, { session_id: 'r1' })).toEqual({
      sessionId: 'r1',
      source: 'session_id',
      rank: 2,
    })
    expect(findSession({ 'ai.telemetry.metadata.sessionId': 'ai-1' }, {})).toEqual({
      sessionId: 'ai-1',
      source: 'ai.telemetry.metadata.sessionId',
      rank: 3,
    })
  })

  it('prefers the span over its resource', () => {
    expect(findSession({ 'session.id': 'span' }, { 'session.id': 'resource' })?.sessionId).toBe(
      'span',
    )
  })

  it('skips empty, scrubbed and non-string values', () => {
    expect(findSession({ 'gen_ai.conversation.id': '' }, {})).toBeNull()
    expect(findSession({ 'session.id': "[Scrubbed due to 'session']" }, {})).toBeNull()
    expect(findSession({ 'session.id': 42 }, {})).toBeNull()
    expect(
      findSession(
        { 'session.id': "[Scrubbed due to 'session']", 'gen_ai.conversation.id': 'c1' },
        {},
      )?.sessionId,
    ).toBe('c1')
    expect(findSession({}, {})).toBeNull()
  })
})

describe('SpanWriter sessions', () => {
  it('lets a stronger attribute win', async () => {
    const db = freshStore()
    const writer = new SpanWriter(db)
    await writer.writeTraces(
      decodeTracesJson(
        otlpJson([
          {
            traceId: traceId(1),
            spanId: spanId(1),
            attributes: { 'gen_ai.conversation.id': 'c1' },
          },
        ]),
      ),
    )
    expect(sessionRows(db)).toEqual({ [traceId(1)]: ['c1', 'gen_ai.conversation.id'] })
    await writer.writeTraces(
      decodeTracesJson(
        otlpJson([
          { traceId: traceId(1), spanId: spanId(2), attributes: { 'session.id': 's1' } },
          {
            traceId: traceId(1),
            spanId: spanId(3),
            attributes: { 'gen_ai.conversation.id': 'c2' },
          },
        ]),
      ),
    )
    expect(sessionRows(db)).toEqual({ [traceId(1)]: ['s1', 'session.id'] })
    writer.close()
  })

  it('keeps the first of equal ranks', async () => {
    const db = freshStore()
    const writer = new SpanWriter(db)
    await writer.writeTraces(
      decodeTracesJson(
        otlpJson([
          {
            traceId: traceId(2),
            spanId: spanId(1),
            attributes: { 'gen_ai.conversation.id': 'first' },
          },
          {
            traceId: traceId(2),
            spanId: spanId(2),
            attributes: { 'gen_ai.conversation.id': 'second' },
          },
        ]),
      ),
    )
    expect(sessionRows(db)).toEqual({ [traceId(2)]: ['first', 'gen_ai.conversation.id'] })
    writer.close()
  })

  it('reads resource attributes', async () => {
    const db = freshStore()
    const writer = new SpanWriter(db)
    await writer.writeTraces(
      decodeTracesJson(
        otlpJson([{ traceId: traceId(3), spanId: spanId(1) }], { 'session.id': 'cli-run' }),
      ),
    )
    expect(sessionRows(db)).toEqual({ [traceId(3)]: ['cli-run', 'session.id'] })
    writer.close()
  })

  it('leaves traces without a session out', async () => {
    const db = freshStore()
    const writer = new SpanWriter(db)
    await writer.writeTraces(
      decodeTracesJson(
        otlpJson([{ traceId: traceId(4), spanId: spanId(1), attributes: { 'user.id': 'u1' } }]),
      ),
    )
    expect(sessionRows(db)).toEqual({})
    writer.close()
  })

  it('forgets a deleted trace', async () => {
    const db = freshStore()
    const writer = new SpanWriter(db)
    await writer.writeTraces(
      decodeTracesJson(
        otlpJson([{ traceId: traceId(5), spanId: spanId(1), attributes: { 'session.id': 's5' } }]),
      ),
    )
    const steps = new RetentionSteps(db)
    db.transaction(() => steps.deleteStep({ kind: 'age', cutoffMs: Date.now() + 60_000 }))()
    expect(sessionRows(db)).toEqual({})
    writer.close()
  })
})

describe('sessions migration', () => {
  it('fills in stores written before it', () => {
    const dataDir = makeDataDir('loupe-sessions-migration-')
    cleanups.push(() => removeDir(dataDir))
    const file = join(dataDir, DATABASE_FILE)
    const old = new Database(file)
    const before = migrations.findIndex((migration) => migration.includes('trace_sessions'))
    for (const migration of migrations.slice(0, before)) old.exec(migration)
    old.pragma(`user_version = ${before}`)
    const insertResource = old.prepare(
      `INSERT INTO resources (id, fingerprint, service_name, attributes, dropped_attributes_count,
         schema_url) VALUES (?, ?, 'svc', ?, 0, '')`,
    )
    insertResource.run(1, 'plain', '{"service.name":"svc"}')
    insertResource.run(2, 'with-session', '{"service.name":"svc","session.id":"from-resource"}')
    const insertSpan = old.prepare(
      `INSERT INTO spans (trace_id, span_id, name, kind, start_ns, end_ns, status_code,
         status_message, trace_state, flags, attributes, dropped_attributes_count,
         dropped_events_count, dropped_links_count, resource_id, scope_id, pending, received_ms)
       VALUES (?, ?, 'turn', 1, 1, 2, 0, '', '', 0, ?, 0, 0, 0, ?, 1, 0, 0)`,
    )
    insertSpan.run(traceId(1), spanId(1), '{"gen_ai.conversation.id":"c1"}', 1)
    insertSpan.run(traceId(1), spanId(2), '{"session.id":"s1"}', 1)
    insertSpan.run(traceId(2), spanId(1), '{"gen_ai.conversation.id":""}', 1)
    insertSpan.run(traceId(3), spanId(1), `{"session.id":"[Scrubbed due to 'session']"}`, 1)
    insertSpan.run(traceId(4), spanId(1), '{"gen_ai.conversation.id":"c4"}', 2)
    insertSpan.run(traceId(5), spanId(1), '{"session_id":"first"}', 1)
    insertSpan.run(traceId(5), spanId(2), '{"session_id":"second"}', 1)
    old.close()

    const db = openDatabase(dataDir)
    cleanups.push(() => db.close())
    expect(sessionRows(db)).toEqual({
      [traceId(1)]: ['s1', 'session.id'],
      [traceId(4)]: ['from-resource', 'session.id'],
      [traceId(5)]: ['first', 'session_id'],
    })
  })
})

// The alert history in a real store: states survive a reopen, and only the
// newest alerts are kept.

import { afterEach, describe, expect, it } from 'vitest'
import type { AlertJson } from '../../../src/shared/alerts'
import { AlertHistory, MAX_ALERT_EVENTS, statusJson } from '../../../src/core/alerts/history'
import { openDatabase } from '../../../src/core/store/database'
import { makeDataDir, removeDir } from '../../helpers/core'

const cleanups: (() => void)[] = []

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

function openStore(dataDir = makeDataDir('loupe-alert-history-')) {
  cleanups.push(() => removeDir(dataDir))
  const db = openDatabase(dataDir)
  cleanups.push(() => db.close())
  return { db, dataDir, history: new AlertHistory(db) }
}

function alert(rule: string, index: number): AlertJson {
  return {
    rule,
    kind: 'sql',
    state: index % 2 === 0 ? 'firing' : 'resolved',
    summary: `alert ${index}`,
    value: index,
    threshold: null,
    window: null,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
    traceIds: [],
    url: null,
    evidence: { kind: 'sql', columns: [], rows: [], matchedRows: 0 },
  }
}

describe('alert history', () => {
  it('keeps the newest alerts', () => {
    const { history } = openStore()
    for (let i = 0; i < MAX_ALERT_EVENTS + 5; i++) history.addEvent(alert('r', i))
    const events = history.events(MAX_ALERT_EVENTS + 100)
    expect(events).toHaveLength(MAX_ALERT_EVENTS)
    expect(events[0]!.alert.summary).toBe(`alert ${MAX_ALERT_EVENTS + 4}`)
    expect(events.at(-1)!.alert.summary).toBe('alert 5')
  })

  it('filters by rule', () => {
    const { history } = openStore()
    history.addEvent(alert('a', 0))
    const id = history.addEvent(alert('b', 1))
    history.setDeliveries(id, [{ channel: 'desktop', ok: true, error: null, durationMs: 1 }])
    const events = history.events(10, 'b')
    expect(events).toHaveLength(1)
    expect(events[0]!.alert.rule).toBe('b')
    expect(events[0]!.deliveries).toEqual([
      { channel: 'desktop', ok: true, error: null, durationMs: 1 },
    ])
  })

  it('keeps states across a reopen', () => {
    const { db, dataDir, history } = openStore()
    history.saveStatus('kept', {
      state: 'firing',
      sinceMs: 1000,
      lastEvaluatedMs: 2000,
      lastFiredMs: 1000,
      lastResolvedMs: null,
      value: 75,
      error: null,
    })
    history.saveStatus('dropped', { ...history.statuses().get('kept')!, state: 'ok' })
    history.deleteStatusesExcept(['kept'])
    db.close()

    const again = openDatabase(dataDir)
    cleanups.push(() => again.close())
    const reopened = new AlertHistory(again)
    const statuses = reopened.statuses()
    expect([...statuses.keys()]).toEqual(['kept'])
    expect(statusJson(statuses.get('kept'))).toEqual({
      state: 'firing',
      since: '1970-01-01T00:00:01.000Z',
      lastEvaluated: '1970-01-01T00:00:02.000Z',
      lastFired: '1970-01-01T00:00:01.000Z',
      lastResolved: null,
      value: 75,
      error: null,
    })
    expect(statusJson(undefined).state).toBe('unknown')
  })
})

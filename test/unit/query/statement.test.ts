// Checks of user SQL and the helper functions, on a real store opened the
// way the query process opens it.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { percentileOf } from '../../../src/core/query/functions'
import {
  QueryError,
  firstKeyword,
  openQueryConnection,
  runUserStatement,
} from '../../../src/core/query/statement'
import { VIEW_NAMES } from '../../../src/core/query/views'
import { openDatabase } from '../../../src/core/store/database'

let dataDir: string
let db: Database.Database

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'loupe-query-'))
  openDatabase(dataDir).close()
  db = openQueryConnection(dataDir)
})

afterAll(() => {
  db.close()
  rmSync(dataDir, { recursive: true, force: true })
})

function rejection(sql: string): QueryError {
  try {
    runUserStatement(db, sql, 10)
  } catch (error) {
    if (error instanceof QueryError) return error
    throw error
  }
  throw new Error(`expected ${sql} to be rejected`)
}

describe('firstKeyword', () => {
  it('skips comments and space', () => {
    expect(firstKeyword('  -- note\n /* block */ select 1')).toBe('SELECT')
    expect(firstKeyword('/* unclosed')).toBe('')
    expect(firstKeyword('with x as (select 1) select * from x')).toBe('WITH')
  })
})

describe('runUserStatement', () => {
  it('defines every documented view', () => {
    for (const view of VIEW_NAMES) {
      const result = runUserStatement(db, `SELECT * FROM ${view}`, 10)
      expect(result.rows).toEqual([])
      expect(result.columns.length).toBeGreaterThan(5)
    }
  })

  it('rejects writes and file access', () => {
    const cases: [string, string][] = [
      ['INSERT INTO meta VALUES (1, 2)', 'INSERT is rejected because it writes'],
      ['WITH x AS (SELECT 1) UPDATE meta SET value = 1', 'the statement would write'],
      ['/* hidden */ ATTACH DATABASE ":memory:" AS x', 'ATTACH is rejected'],
      ['DETACH x', 'DETACH is rejected'],
      ["VACUUM INTO '/tmp/loupe-copy.db'", 'VACUUM (and VACUUM INTO) is rejected'],
      ['pragma writable_schema = 1', 'PRAGMA statements are rejected'],
      ['BEGIN', 'BEGIN statements are rejected'],
      ['CREATE TEMP VIEW v AS SELECT 1', 'CREATE is rejected'],
      ['   ', 'the query is empty'],
      ['SELECT 1; DELETE FROM meta', 'more than one statement'],
    ]
    for (const [sql, message] of cases) {
      const error = rejection(sql)
      expect(error.message, sql).toContain(message)
      expect(error.code, sql).toBe('rejected')
    }
  })

  it('names the views for an unknown table', () => {
    const error = rejection('SELECT * FROM spanz')
    expect(error.code).toBe('invalid')
    expect(error.message).toContain('no such table: spanz')
    expect(error.message).toContain('records, traces, agent_runs')
  })

  it('keeps big integers and BLOBs exact', () => {
    const result = runUserStatement(db, "SELECT 1796402141222732723, 42, x'00ff', 'text', NULL", 10)
    expect(result.rows).toEqual([['1796402141222732723', 42, 'AP8=', 'text', null]])
  })

  it('accepts a trailing semicolon', () => {
    expect(runUserStatement(db, 'SELECT 1 AS one;', 10).rows).toEqual([[1]])
  })
})

describe('percentile', () => {
  it('interpolates between values', () => {
    expect(percentileOf([1, 2, 3, 4], 50)).toBe(2.5)
    expect(percentileOf([1, 2, 3, 4], 0)).toBe(1)
    expect(percentileOf([1, 2, 3, 4], 100)).toBe(4)
    expect(percentileOf([10], 95)).toBe(10)
    expect(percentileOf([], 50)).toBeNull()
  })

  it('aggregates in SQL', () => {
    const sql = `SELECT percentile(v, 90), median(v), percentile(v, 50)
      FROM (SELECT 3 AS v UNION ALL SELECT 1 UNION ALL SELECT NULL UNION ALL SELECT 2
            UNION ALL SELECT 10)`
    const [row] = runUserStatement(db, sql, 10).rows
    expect(row![0] as number).toBeCloseTo(7.9, 12)
    expect(row![1]).toBe(2.5)
    expect(row![2]).toBe(2.5)
  })

  it('rejects p outside 0 to 100', () => {
    const error = rejection('SELECT percentile(v, 0.95 * 200) FROM (SELECT 1 AS v)')
    expect(error.code).toBe('failed')
    expect(error.message).toContain('the percentile must be a number from 0 to 100')
  })
})

// The writer while another connection holds the store's write lock: it
// retries from a timer, so a short hold only delays the commit, and a hold
// past its wait rejects the batch with a message that names the file.

import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, test } from 'vitest'
import { buildRequest } from '../../../bench/workload'
import { decodeTracesProto } from '../../../src/core/otlp/decode-proto'
import { DATABASE_FILE, openDatabase } from '../../../src/core/store/database'
import { StoreWriteError } from '../../../src/core/store/failures'
import { SpanWriter } from '../../../src/core/store/writer'
import { makeDataDir, removeDir } from '../../helpers/core'

const cleanups: (() => void)[] = []

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

function openLockedStore() {
  const dataDir = makeDataDir('loupe-writer-lock-')
  cleanups.push(() => removeDir(dataDir))
  const db = openDatabase(dataDir)
  cleanups.push(() => db.close())
  const other = new Database(join(dataDir, DATABASE_FILE))
  cleanups.push(() => other.close())
  other.exec('BEGIN IMMEDIATE')
  return { db, other, file: join(dataDir, DATABASE_FILE) }
}

const request = decodeTracesProto(buildRequest('apm', 32, 8).protobuf)

describe('SpanWriter under a foreign write lock', () => {
  test('commits once the lock is released', async () => {
    const { db, other } = openLockedStore()
    const writer = new SpanWriter(db, { lockWaitMs: 5_000 })
    const written = writer.writeTraces(request)
    // The event loop stays free while the writer waits, so this timer fires.
    await new Promise((resolve) => setTimeout(resolve, 300))
    other.exec('COMMIT')
    expect(await written).toEqual({ spans: 32, logRecords: 0 })
    expect(writer.failure()).toBeNull()
  })

  test('rejects the batch after its wait', async () => {
    const { db, file } = openLockedStore()
    const failures: StoreWriteError[] = []
    const writer = new SpanWriter(db, { lockWaitMs: 200, onFailure: (e) => failures.push(e) })
    const error = await writer.writeTraces(request).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreWriteError)
    expect((error as StoreWriteError).kind).toBe('locked')
    expect((error as StoreWriteError).message).toContain(`the store ${file} is locked`)
    expect((error as StoreWriteError).retryAfterSeconds).toBe(5)
    expect(writer.failure()).toBe(error)
    expect(failures).toEqual([error])
    expect((db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n).toBe(0)
  })
})

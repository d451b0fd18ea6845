// An OTLP/JSON body longer than the longest string V8 can hold can never be
// decoded. It must get a 400 that explains this, not a 503 that makes the
// exporter retry it forever. The body is gzip, so that only the core keeps
// the 512 MiB it expands to.

import { constants } from 'node:buffer'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeDataDir, removeDir, startTestCore, type TestCore } from '../helpers/core'

const MIB = 2 ** 20

let loupe: TestCore

beforeAll(async () => {
  loupe = await startTestCore(makeDataDir('loupe-json-too-long-'), { maxBodyBytes: 600 * MIB })
})

afterAll(async () => {
  await loupe.stop()
  removeDir(loupe.dataDir)
})

describe('an OTLP/JSON body past the string limit', () => {
  it('is rejected with 400', async () => {
    // Spaces are valid JSON white space, so only the length can fail.
    const length = constants.MAX_STRING_LENGTH + MIB
    const body = gzipSync(Buffer.alloc(length, ' '), { level: 1 })
    const response = await fetch(`${loupe.otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body,
    })
    const text = await response.text()
    expect(response.status).toBe(400)
    expect(text).toContain('the JSON body of 513 MiB is longer than the longest string')
    expect(text).toContain('send smaller batches or use OTLP protobuf')
  })
})

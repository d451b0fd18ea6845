// Provider keys that the desktop app hands to the core in memory. A record
// run started without a key of its own reaches a stand-in provider on
// loopback with the app's key, which wins over the core's environment. The
// key is stored nowhere in the data folder, and replacing the keys takes
// effect for the next run.

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ProviderKeys } from '../../src/core/gateway/provider-keys'
import type { RunStart } from '../../src/shared/api'
import type { SettingsView } from '../../src/shared/settings'
import { apiJson, removeDir, repoRoot, startTestCore, type TestCore } from '../helpers/core'

const APP_KEY = 'sk-test-from-keychain-0123456789'

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-keys',
  object: 'chat.completion',
  created: 1767225600,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
})

let upstream: Server
let upstreamUrl: string
const received: IncomingHttpHeaders[] = []
const providerKeys = new ProviderKeys()
let loupe: TestCore
let savedEnvironmentKey: string | undefined

beforeAll(async () => {
  upstream = createServer((request, response) => {
    received.push(request.headers)
    request.resume()
    request.on('end', () => {
      response.writeHead(200, { 'Content-Type': 'application/json' })
      response.end(COMPLETION)
    })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  // The core resolves keys from this process's environment; the test controls it.
  savedEnvironmentKey = process.env.OPENAI_API_KEY
  delete process.env.OPENAI_API_KEY
  loupe = await startTestCore(undefined, { providerKeys })
})

afterAll(async () => {
  await loupe?.stop()
  await new Promise((resolve) => upstream?.close(resolve))
  if (loupe) removeDir(loupe.dataDir)
  if (savedEnvironmentKey !== undefined) process.env.OPENAI_API_KEY = savedEnvironmentKey
})

beforeEach(() => {
  received.length = 0
  delete process.env.OPENAI_API_KEY
})

/** Starts a record run whose calls go to the stand-in, with no key of its own, and makes one call. */
async function callThroughRecordRun(): Promise<number> {
  const started = await apiJson<RunStart>(loupe, '/api/runs', {
    method: 'POST',
    body: JSON.stringify({
      command: ['agent'],
      cwd: repoRoot,
      mode: 'record',
      upstream: { openai: { baseUrl: `${upstreamUrl}/v1` } },
    }),
  })
  expect(started.status).toBe(201)
  const run = started.body
  const response = await fetch(`${run.env.OPENAI_BASE_URL}/chat/completions`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${run.env.OPENAI_API_KEY}`,
    },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
  })
  await response.arrayBuffer()
  await apiJson(loupe, `/api/runs/${run.runId}/finish`, {
    method: 'POST',
    body: JSON.stringify({ exitCode: 0, output: '' }),
  })
  return response.status
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

describe('provider keys from the app', () => {
  it('reach the provider in record runs', async () => {
    providerKeys.replace({ openai: APP_KEY })
    expect(await callThroughRecordRun()).toBe(200)
    expect(received).toHaveLength(1)
    expect(received[0]!.authorization).toBe(`Bearer ${APP_KEY}`)
  })

  it('win over the environment', async () => {
    providerKeys.replace({ openai: APP_KEY })
    process.env.OPENAI_API_KEY = 'sk-test-from-environment'
    expect(await callThroughRecordRun()).toBe(200)
    expect(received[0]!.authorization).toBe(`Bearer ${APP_KEY}`)
  })

  it('stop after they are removed', async () => {
    providerKeys.replace({})
    process.env.OPENAI_API_KEY = 'sk-test-from-environment'
    expect(await callThroughRecordRun()).toBe(200)
    expect(received[0]!.authorization).toBe('Bearer sk-test-from-environment')
  })

  it('are written nowhere in the data folder', async () => {
    providerKeys.replace({ openai: APP_KEY })
    await callThroughRecordRun()
    await loupe.core.whenNormalized()
    for (const file of filesUnder(loupe.dataDir)) {
      expect(readFileSync(file).includes(APP_KEY), file).toBe(false)
    }
  })
})

describe('ProviderKeys', () => {
  it('names the source of each key', () => {
    const keys = new ProviderKeys()
    keys.replace({ anthropic: 'sk-ant-test-not-a-real-key', openai: '' })
    expect(keys.sources({ OPENAI_API_KEY: 'sk-test-not-a-real-key' })).toEqual({
      openai: 'environment',
      anthropic: 'app',
    })
    expect(keys.sources({})).toEqual({ openai: null, anthropic: 'app' })
    expect(keys.overlay({ PATH: '/usr/bin' })).toEqual({
      PATH: '/usr/bin',
      ANTHROPIC_API_KEY: 'sk-ant-test-not-a-real-key',
    })
  })

  it('settings API needs a settings file', async () => {
    // startTestCore passes no settings, unlike `loupe serve` and the desktop app.
    const { status, body } = await apiJson<SettingsView | { error: string }>(loupe, '/api/settings')
    expect(status).toBe(404)
    expect(body).toEqual({
      error:
        'this core was started without a settings file; `loupe serve` and the desktop app have one',
    })
  })
})

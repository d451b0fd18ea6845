// Record mode against a stand-in upstream on loopback. A record run's model
// calls reach it with the user's key in place of the run's, and the agent
// gets the upstream's bytes unchanged. Each exchange is stored byte for
// byte with no key anywhere in the data folder, and calls without a record
// run's key never reach the upstream.

import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ExchangeJson, RunJson, RunStart, TraceDetail } from '../../src/shared/api'
import { apiJson, removeDir, repoRoot, runCli, startTestCore, type TestCore } from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

/** A made-up provider key: the tests check that it reaches the upstream and nothing else. */
const PROVIDER_KEY = 'sk-test-recorded-key-0123456789abcdef'

interface Received {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: Buffer
}

/** The stand-in provider's replies, chosen by the request's model name. */
const COMPLETION = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-standin1',
    object: 'chat.completion',
    created: 1767225600,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Recorded hello.', refusal: null },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 },
  }),
)

const STREAM_EVENTS = [
  { id: 'chatcmpl-standin2', model: 'gpt-4o-mini', delta: { role: 'assistant', content: '' } },
  { id: 'chatcmpl-standin2', model: 'gpt-4o-mini', delta: { content: 'Streamed ' } },
  { id: 'chatcmpl-standin2', model: 'gpt-4o-mini', delta: { content: 'reply.' } },
].map(
  (chunk) =>
    `data: ${JSON.stringify({
      id: chunk.id,
      object: 'chat.completion.chunk',
      model: chunk.model,
      choices: [{ index: 0, delta: chunk.delta, finish_reason: null }],
    })}\n\n`,
)
const STREAM_TAIL = [
  `data: ${JSON.stringify({ id: 'chatcmpl-standin2', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
  `data: ${JSON.stringify({ id: 'chatcmpl-standin2', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } })}\n\n`,
  'data: [DONE]\n\n',
]

const ANTHROPIC_MESSAGE = Buffer.from(
  JSON.stringify({
    id: 'msg_standin',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [
      { type: 'tool_use', id: 'toolu_standin', name: 'get_forecast', input: { city: 'Utrecht' } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 20, cache_read_input_tokens: 5, output_tokens: 7 },
  }),
)

const RATE_LIMITED = Buffer.from(
  JSON.stringify({
    error: {
      message: 'Rate limit reached',
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    },
  }),
)

let upstream: Server
let upstreamUrl: string
const received: Received[] = []
let loupe: TestCore

beforeAll(async () => {
  upstream = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', async () => {
      const body = Buffer.concat(chunks)
      received.push({ method: request.method!, url: request.url!, headers: request.headers, body })
      const model = (JSON.parse(body.toString()) as { model: string }).model
      if (request.url === '/v1/messages') {
        response.writeHead(200, { 'Content-Type': 'application/json', 'request-id': 'req_up' })
        response.end(ANTHROPIC_MESSAGE)
      } else if (model === 'rate-limited') {
        response.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' })
        response.end(RATE_LIMITED)
      } else if (model === 'stream') {
        response.writeHead(200, { 'Content-Type': 'text/event-stream' })
        // Pauses between writes, so the chunks arrive one by one.
        for (const event of [...STREAM_EVENTS, ...STREAM_TAIL]) {
          response.write(event)
          await new Promise((resolve) => setTimeout(resolve, 25))
        }
        response.end()
      } else {
        response.writeHead(200, { 'Content-Type': 'application/json', 'x-request-id': 'req_up' })
        response.end(COMPLETION)
      }
    })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  loupe = await startTestCore()
})

afterAll(async () => {
  await loupe.stop()
  await new Promise((resolve) => upstream.close(resolve))
  removeDir(loupe.dataDir)
})

beforeEach(() => {
  received.length = 0
})

/** Calls the test core's API. */
function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  return apiJson<T>(loupe, path, init)
}

async function startRun(
  mode: 'record' | 'mock',
  upstreamSettings: object = {
    openai: { baseUrl: `${upstreamUrl}/v1`, apiKey: PROVIDER_KEY },
    anthropic: { baseUrl: upstreamUrl, apiKey: PROVIDER_KEY },
  },
): Promise<RunStart> {
  const started = await api<RunStart>('/api/runs', {
    method: 'POST',
    body: JSON.stringify({ command: ['agent'], cwd: repoRoot, mode, upstream: upstreamSettings }),
  })
  expect(started.status).toBe(201)
  return started.body
}

async function finishRun(runId: string): Promise<RunJson> {
  await api(`/api/runs/${runId}/finish`, {
    method: 'POST',
    body: JSON.stringify({ exitCode: 0, output: '' }),
  })
  return (await api<RunJson>(`/api/runs/${runId}?wait=1`)).body
}

function chat(run: RunStart, body: object): Promise<Response> {
  return fetch(`${run.env.OPENAI_BASE_URL}/chat/completions`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${run.env.OPENAI_API_KEY}`,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    },
    body: JSON.stringify(body),
  })
}

async function exchanges(runId: string): Promise<ExchangeJson[]> {
  return (await api<ExchangeJson[]>(`/api/runs/${runId}/exchanges`)).body
}

describe('record mode', () => {
  it('forwards with the provider key and returns upstream bytes', async () => {
    const run = await startRun('record')
    const requestBody = JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello' }],
    })
    const response = await fetch(`${run.env.OPENAI_BASE_URL}/chat/completions?api-version=1`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${run.env.OPENAI_API_KEY}`,
        'x-stainless-lang': 'js',
      },
      body: requestBody,
    })
    expect(response.status).toBe(200)
    expect(Buffer.from(await response.arrayBuffer())).toEqual(COMPLETION)
    expect(response.headers.get('x-request-id')).toBe('req_up')

    expect(received).toHaveLength(1)
    expect(received[0]!.url).toBe('/v1/chat/completions?api-version=1')
    expect(received[0]!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`)
    expect(received[0]!.headers['x-stainless-lang']).toBe('js')
    expect(received[0]!.body.toString()).toBe(requestBody)
    await finishRun(run.runId)
  })

  it('stores the exchange byte for byte without keys', async () => {
    const run = await startRun('record')
    const sent = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello again' }] }
    await (await chat(run, sent)).arrayBuffer()
    const finished = await finishRun(run.runId)
    const [exchange] = await exchanges(run.runId)
    expect(exchange!.mode).toBe('record')
    expect(exchange!.upstreamUrl).toBe(`${upstreamUrl}/v1/chat/completions`)
    expect(Buffer.from(exchange!.requestBody, 'base64').toString()).toBe(JSON.stringify(sent))
    expect(Buffer.from(exchange!.responseBody, 'base64')).toEqual(COMPLETION)
    expect(exchange!.status).toBe(200)
    expect(exchange!.requestHeaders.authorization).toBeUndefined()
    expect(exchange!.requestHeaders.traceparent).toBeUndefined()
    expect(exchange!.responseHeaders!['x-request-id']).toBe('req_up')

    // The call's span reads the recorded response: model, usage and text.
    expect(finished.modelCalls).toBe(1)
    expect(finished.inputTokens).toBe(11)
    expect(finished.outputTokens).toBe(3)
    const detail = await api<TraceDetail>(`/api/traces/${exchange!.traceId}/full`)
    const span = detail.body.spans.find((s) => s.spanId === exchange!.spanId)!
    expect(span.attributes['loupe.gateway.mode']).toBe('record')
    expect(span.attributes['loupe.gateway.upstream']).toBe(upstreamUrl)
    expect(span.attributes['gen_ai.response.model']).toBe('gpt-4o-mini-2024-07-18')
    expect(JSON.parse(span.attributes['gen_ai.output.messages'] as string)).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'Recorded hello.' }],
        finish_reason: 'stop',
      },
    ])
  })

  it('passes a stream through and records each chunk', async () => {
    const run = await startRun('record')
    const response = await chat(run, {
      model: 'stream',
      stream: true,
      messages: [{ role: 'user', content: 'Stream' }],
    })
    const body = await response.text()
    expect(body).toBe([...STREAM_EVENTS, ...STREAM_TAIL].join(''))
    await finishRun(run.runId)
    const [exchange] = await exchanges(run.runId)
    expect(Buffer.from(exchange!.responseBody, 'base64').toString()).toBe(body)
    expect(exchange!.chunkTimings.length).toBeGreaterThanOrEqual(2)
    expect(exchange!.chunkTimings.reduce((total, [, bytes]) => total + bytes, 0)).toBe(
      Buffer.byteLength(body),
    )
    expect(exchange!.firstByteMs).toBeLessThan(exchange!.durationMs)
    const detail = await api<TraceDetail>(`/api/traces/${exchange!.traceId}/full`)
    const span = detail.body.spans.find((s) => s.spanId === exchange!.spanId)!
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(9)
    expect(JSON.parse(span.attributes['gen_ai.output.messages'] as string)[0].parts).toEqual([
      { type: 'text', content: 'Streamed reply.' },
    ])
  })

  it('records Anthropic calls with x-api-key', async () => {
    const run = await startRun('record')
    const response = await fetch(`${run.env.ANTHROPIC_BASE_URL}/v1/messages`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'x-api-key': run.env.ANTHROPIC_API_KEY!,
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'Weather?' }],
      }),
    })
    expect(Buffer.from(await response.arrayBuffer())).toEqual(ANTHROPIC_MESSAGE)
    expect(received[0]!.headers['x-api-key']).toBe(PROVIDER_KEY)
    expect(received[0]!.headers['anthropic-version']).toBe('2023-06-01')
    const finished = await finishRun(run.runId)
    // Cached input counts toward the input tokens.
    expect(finished.inputTokens).toBe(25)
    expect(finished.outputTokens).toBe(7)
  })

  it('passes upstream errors through', async () => {
    const run = await startRun('record')
    const response = await chat(run, { model: 'rate-limited', messages: [] })
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('1')
    expect(Buffer.from(await response.arrayBuffer())).toEqual(RATE_LIMITED)
    await finishRun(run.runId)
    const [exchange] = await exchanges(run.runId)
    const detail = await api<TraceDetail>(`/api/traces/${exchange!.traceId}/full`)
    const span = detail.body.spans.find((s) => s.spanId === exchange!.spanId)!
    expect(span.status).toBe('error')
    expect(span.statusMessage).toBe('Rate limit reached')
    expect(span.attributes['error.type']).toBe('requests')
  })

  it('answers 502 when the upstream is unreachable', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const run = await startRun('record', {
      openai: { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: PROVIDER_KEY },
    })
    const response = await chat(run, { model: 'gpt-4o-mini', messages: [] })
    expect(response.status).toBe(502)
    const body = (await response.json()) as { error: { message: string } }
    expect(body.error.message).toMatch(
      new RegExp(
        `^Loupe could not reach the upstream http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`,
      ),
    )
    await finishRun(run.runId)
    const [exchange] = await exchanges(run.runId)
    expect(exchange!.status).toBeNull()
    expect(exchange!.failure).toBe(body.error.message)
  })

  it('explains a missing provider key', async () => {
    const run = await startRun('record', {})
    const response = await fetch(`${run.env.ANTHROPIC_BASE_URL}/v1/messages`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'x-api-key': run.env.ANTHROPIC_API_KEY!,
        'anthropic-version': '2023-06-01',
      },
      body: '{}',
    })
    // The test process may have an ANTHROPIC_API_KEY of its own, which the core would use.
    if (process.env.ANTHROPIC_API_KEY) return
    expect(response.status).toBe(401)
    const body = (await response.json()) as { error: { message: string } }
    expect(body.error.message).toContain('Loupe has no Anthropic key: set ANTHROPIC_API_KEY')
    expect(received).toHaveLength(0)
    await finishRun(run.runId)
  })

  it('never forwards calls without a record run key', async () => {
    const mockRun = await startRun('mock')
    const mocked = await chat(mockRun, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
    })
    expect(mocked.status).toBe(200)
    const strangerReply = await fetch(`${mockRun.env.OPENAI_BASE_URL}/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer sk-someone-else' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
    })
    expect(strangerReply.status).toBe(200)
    expect(
      ((await strangerReply.json()) as { system_fingerprint: string }).system_fingerprint,
    ).toBe('fp_loupe_mock')
    // While a record run is live, a call with another key is rejected, not mocked.
    const recordRun = await startRun('record')
    const unknownKey = await fetch(`${mockRun.env.OPENAI_BASE_URL}/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer sk-agent-own-key' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
    })
    expect(unknownKey.status).toBe(401)
    expect(((await unknownKey.json()) as { error: { message: string } }).error.message).toContain(
      'This API key belongs to no Loupe run, and a record run is live',
    )
    // A record run's key stops working when the run ends.
    await finishRun(recordRun.runId)
    const late = await chat(recordRun, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
    })
    expect(((await late.json()) as { system_fingerprint: string }).system_fingerprint).toBe(
      'fp_loupe_mock',
    )
    expect(received).toHaveLength(0)
    await finishRun(mockRun.runId)
  })

  it('rejects a base URL that points back at the gateway', async () => {
    const response = await api<{ error: string }>('/api/runs', {
      method: 'POST',
      body: JSON.stringify({
        command: ['agent'],
        cwd: repoRoot,
        mode: 'record',
        upstream: { openai: { baseUrl: `${loupe.otlpHttpUrl}/gateway/openai/v1`, apiKey: 'x' } },
      }),
    })
    expect(response.status).toBe(400)
    expect(response.body.error).toContain("points at this Loupe's own gateway")
  })

  it.skipIf(!python)('records a real SDK under loupe run --record', async () => {
    const result = await runCli(
      [
        'run',
        '--json',
        '--record',
        '--data',
        loupe.dataDir,
        '--',
        python!,
        '-c',
        [
          'import openai',
          'client = openai.OpenAI()',
          "reply = client.chat.completions.create(model='gpt-4o-mini', messages=[{'role': 'user', 'content': 'Hi'}])",
          'print(reply.choices[0].message.content)',
        ].join('\n'),
      ],
      { OPENAI_BASE_URL: `${upstreamUrl}/v1`, OPENAI_API_KEY: PROVIDER_KEY },
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Recorded hello.')
    expect(result.stderr).toContain(', recording its model calls')
    expect(result.stderr).not.toContain(PROVIDER_KEY)
    expect(received[0]!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`)
    expect(received[0]!.headers['user-agent']).toMatch(/^OpenAI\/Python/)
    const run = JSON.parse(result.stdout.slice(result.stdout.indexOf('{\n'))) as RunJson
    expect(run.mode).toBe('record')
    expect(run.modelCalls).toBe(1)
  })

  it('keeps the provider key out of the data folder', async () => {
    // Every run above used the key; no file of the data folder may contain it.
    await loupe.core.whenNormalized()
    loupe.core.database.pragma('wal_checkpoint(TRUNCATE)')
    for (const file of readdirSync(loupe.dataDir)) {
      if (file.endsWith('.lock')) continue
      const bytes = readFileSync(join(loupe.dataDir, file))
      expect(bytes.includes(PROVIDER_KEY), `${file} contains the provider key`).toBe(false)
    }
  })
})

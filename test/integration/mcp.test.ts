// `loupe mcp` driven by the MCP SDK's own stdio client, as a coding
// assistant would start it. The traces come from the Vercel AI SDK with
// telemetry on (its MockLanguageModelV3 replaces the provider),
// exported by the OpenTelemetry JS SDK to a real core: one run that calls a
// tool and one whose model call is rejected with 401.

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { LanguageModelV3GenerateResult } from '@ai-sdk/provider'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { APICallError, generateText, stepCountIs, tool } from 'ai'
import { MockLanguageModelV3 } from 'ai/test'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { SpanJson } from '../../src/shared/api'
import { removeDir, repoRoot, startTestCore, type TestCore } from '../helpers/core'
import { showNormalized } from '../helpers/genai'

const MODEL_ID = 'claude-sonnet-4-5-20250929'
const TOOL_NAME = 'lookupRecipe'
/** A tool argument that occurs nowhere else, for the text search to find. */
const DISH = 'shakshuka-with-zaatar'
const ANSWER = 'You need 4 eggs and 400 g tomatoes; it takes 25 minutes.'

function usage(input: number, output: number): LanguageModelV3GenerateResult['usage'] {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: undefined },
  }
}

function recipeModel(): MockLanguageModelV3 {
  const results: LanguageModelV3GenerateResult[] = [
    {
      content: [
        {
          type: 'tool-call',
          toolCallId: 'toolu_01mcp',
          toolName: TOOL_NAME,
          input: JSON.stringify({ dish: DISH, servings: 2 }),
        },
      ],
      finishReason: { unified: 'tool-calls', raw: 'tool_use' },
      usage: usage(300, 40),
      response: { id: 'msg_01', modelId: MODEL_ID, timestamp: new Date() },
      warnings: [],
    },
    {
      content: [{ type: 'text', text: ANSWER }],
      finishReason: { unified: 'stop', raw: 'end_turn' },
      usage: usage(420, 30),
      response: { id: 'msg_02', modelId: MODEL_ID, timestamp: new Date() },
      warnings: [],
    },
  ]
  return new MockLanguageModelV3({
    provider: 'anthropic.messages',
    modelId: MODEL_ID,
    doGenerate: results,
  })
}

function rejectingModel(): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    provider: 'anthropic.messages',
    modelId: MODEL_ID,
    doGenerate: async () => {
      throw new APICallError({
        message: 'invalid x-api-key',
        url: 'https://api.anthropic.com/v1/messages',
        requestBodyValues: {},
        statusCode: 401,
        isRetryable: false,
      })
    },
  })
}

let loupe: TestCore
let provider: BasicTracerProvider
const memory = new InMemorySpanExporter()
let recipeTraceId = ''
let rejectedTraceId = ''

/** Runs one AI SDK call and returns the id of the trace its spans were exported in. */
async function traced(run: () => Promise<unknown>): Promise<string> {
  memory.reset()
  await run().catch(() => undefined)
  await provider.forceFlush()
  const ids = new Set(memory.getFinishedSpans().map((span) => span.spanContext().traceId))
  expect(ids.size, 'traces exported by one call').toBe(1)
  return [...ids][0]!
}

beforeAll(async () => {
  loupe = await startTestCore()
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'kitchen-web' }),
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${loupe.otlpHttpUrl}/v1/traces` })),
      new SimpleSpanProcessor(memory),
    ],
  })
  const telemetry = (functionId: string) => ({
    isEnabled: true,
    functionId,
    tracer: provider.getTracer('ai'),
  })
  recipeTraceId = await traced(() =>
    generateText({
      model: recipeModel(),
      prompt: 'Shakshuka for two?',
      tools: {
        [TOOL_NAME]: tool({
          description: 'Look up a recipe by dish name.',
          inputSchema: z.object({ dish: z.string(), servings: z.number().int() }),
          execute: async () => ({ eggs: 4, minutes: 25 }),
        }),
      },
      stopWhen: stepCountIs(3),
      experimental_telemetry: telemetry('recipe-helper'),
    }),
  )
  rejectedTraceId = await traced(() =>
    generateText({
      model: rejectingModel(),
      prompt: 'What is on the bill?',
      experimental_telemetry: telemetry('billing-helper'),
    }),
  )
  for (const traceId of [recipeTraceId, rejectedTraceId]) {
    const stored = await showNormalized(loupe.dataDir, traceId, 20_000)
    expect(stored.normalized, `normalization of ${traceId}`).toBe(true)
  }
})

afterAll(async () => {
  await provider?.shutdown()
  context.disable()
  await loupe?.stop()
  if (loupe) removeDir(loupe.dataDir)
})

interface Session {
  client: Client
  /** Errors the client raised while reading the server's output, such as a line that is not JSON. */
  protocolErrors: Error[]
  stderr(): string
  close(): Promise<void>
}

/** Starts `loupe mcp --data DIR` and connects the SDK client to it. */
async function connect(dataDir: string): Promise<Session> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(repoRoot, 'bin/loupe.js'), 'mcp', '--data', dataDir, '--log-level', 'info'],
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const client = new Client({ name: 'loupe-test', version: '1.0.0' })
  const protocolErrors: Error[] = []
  client.onerror = (error) => protocolErrors.push(error)
  await client.connect(transport)
  return { client, protocolErrors, stderr: () => stderr, close: () => client.close() }
}

async function call(
  session: Session,
  name: string,
  args: Record<string, unknown>,
): Promise<{ text: string; isError: boolean }> {
  const result = (await session.client.callTool({ name, arguments: args })) as CallToolResult
  const first = result.content[0]
  return {
    text: first?.type === 'text' ? first.text : '',
    isError: result.isError === true,
  }
}

describe('loupe mcp beside a running core', () => {
  let session: Session

  beforeAll(async () => {
    session = await connect(loupe.dataDir)
  })

  afterAll(async () => {
    await session?.close()
  })

  it('lists the four read-only tools', async () => {
    const { tools } = await session.client.listTools()
    expect(tools.map((t) => t.name).sort()).toEqual([
      'get_span',
      'query',
      'search_traces',
      'show_trace',
    ])
    for (const t of tools) expect(t.annotations?.readOnlyHint, t.name).toBe(true)
    expect(session.client.getServerVersion()?.name).toBe('loupe')
  })

  it('finds a trace by a tool argument', async () => {
    const result = await call(session, 'search_traces', { text: DISH })
    expect(result.isError, result.text).toBe(false)
    expect(result.text).toContain('1 trace, newest first')
    expect(result.text).toContain(recipeTraceId)
    expect(result.text).not.toContain(rejectedTraceId)
    expect(result.text).toContain('agent recipe-helper')
    expect(result.text).toContain('2 model calls, 1 tool calls')
    expect(result.text).toMatch(new RegExp(`match in span [0-9a-f]{16} .*${DISH}`))
  })

  it('filters by error class and agent', async () => {
    const rejected = await call(session, 'search_traces', { error_class: 'provider_rejected' })
    expect(rejected.text).toContain(rejectedTraceId)
    expect(rejected.text).not.toContain(recipeTraceId)
    const failed = await call(session, 'search_traces', { error_class: 'any', since: '1h' })
    expect(failed.text).toContain(rejectedTraceId)
    expect(failed.text).not.toContain(recipeTraceId)
    const byAgent = await call(session, 'search_traces', { agent: 'RECIPE-helper' })
    expect(byAgent.text).toContain(recipeTraceId)
    expect(byAgent.text).not.toContain(rejectedTraceId)
    const none = await call(session, 'search_traces', { agent: 'no-such-agent' })
    expect(none.text).toMatch(/^No traces match/)
  })

  it('searches times far back and rejects impossible ones', async () => {
    const farBack = await call(session, 'search_traces', { since: '99999999d' })
    expect(farBack.isError, farBack.text).toBe(false)
    expect(farBack.text).toContain(recipeTraceId)
    expect(farBack.text).toContain(rejectedTraceId)
    const ancient = await call(session, 'search_traces', { since: '0001-01-01T00:00:00Z' })
    expect(ancient.isError).toBe(true)
    expect(ancient.text).toContain('between 1970-01-01 and 2262-04-11T23:47:16.854Z')
    const future = await call(session, 'search_traces', { since: '2262-04-12T00:00:00Z' })
    expect(future.isError).toBe(true)
    expect(future.text).toContain('signed 64-bit Unix nanoseconds')
    const february = await call(session, 'search_traces', { since: '2026-02-30' })
    expect(february.isError).toBe(true)
    expect(february.text).toContain('invalid since "2026-02-30": not a calendar date')
  })

  it('shows a trace as a span tree with its figures', async () => {
    const result = await call(session, 'show_trace', { trace_id: recipeTraceId.toUpperCase() })
    expect(result.isError, result.text).toBe(false)
    const lines = result.text.split('\n')
    expect(lines[0]).toBe(`Trace ${recipeTraceId}: ai.generateText`)
    expect(result.text).toContain(
      `agent recipe-helper, models ${MODEL_ID}, 2 model calls, 1 tool calls, tokens 720 in, 70 out`,
    )
    const root = lines.findIndex((line) => /^- \[[0-9a-f]{16}\] .* agent /.test(line))
    expect(root, result.text).toBeGreaterThan(0)
    const modelCalls = lines.filter((line) =>
      /^ {2}- \[[0-9a-f]{16}\] .* model .*tokens 300 in, 40 out/.test(line),
    )
    expect(modelCalls, result.text).toHaveLength(1)
    const toolLine = lines.findIndex((line) => /^ {2}- \[[0-9a-f]{16}\] .* tool /.test(line))
    expect(toolLine, result.text).toBeGreaterThan(root)
    expect(lines[toolLine + 1]).toContain(`arguments: {"dish":"${DISH}","servings":2}`)
    expect(lines[toolLine + 2]).toContain('result: {"eggs":4,"minutes":25}')
    expect(result.text).toContain(`output (assistant): ${ANSWER}`)
  })

  it('cuts a trace to max_spans and says so', async () => {
    const result = await call(session, 'show_trace', { trace_id: recipeTraceId, max_spans: 1 })
    expect(result.text).toMatch(/more spans? below, not shown/)
    expect(result.text).toContain('Showed 1 of 4 spans')
  })

  it('returns one span in full', async () => {
    const outline = await call(session, 'show_trace', { trace_id: recipeTraceId })
    const spanId = /- \[([0-9a-f]{16})\] .* tool /.exec(outline.text)![1]!
    const result = await call(session, 'get_span', { trace_id: recipeTraceId, span_id: spanId })
    expect(result.isError, result.text).toBe(false)
    const span = JSON.parse(result.text) as SpanJson
    expect(span.spanId).toBe(spanId)
    expect(span.kind).toBe('tool')
    expect(span.toolName).toBe(TOOL_NAME)
    expect(span.toolArguments).toEqual({ dish: DISH, servings: 2 })
    expect(span.serviceName).toBe('kitchen-web')
  })

  it('runs a read-only SQL query', async () => {
    const result = await call(session, 'query', {
      sql: 'SELECT agent_name, error_class FROM agent_runs ORDER BY agent_name',
    })
    expect(result.isError, result.text).toBe(false)
    const lines = result.text.split('\n')
    expect(lines[0]).toBe('columns: ["agent_name","error_class"]')
    expect(lines[1]).toBe('["billing-helper","provider_rejected"]')
    expect(lines[2]).toBe('["recipe-helper","none"]')
    expect(lines[3]).toMatch(/^\(2 rows, \d+ ms\)$/)
  })

  it('returns tool errors for bad ids and writes', async () => {
    const badId = await call(session, 'show_trace', { trace_id: 'not-a-trace' })
    expect(badId.isError).toBe(true)
    expect(badId.text).toContain('invalid trace id "not-a-trace": expected 32 hexadecimal digits')
    const unknown = await call(session, 'show_trace', { trace_id: 'f'.repeat(32) })
    expect(unknown.isError).toBe(true)
    expect(unknown.text).toContain(`trace ${'f'.repeat(32)} not found`)
    const badSpan = await call(session, 'get_span', {
      trace_id: recipeTraceId,
      span_id: '0'.repeat(15) + '1',
    })
    expect(badSpan.isError).toBe(true)
    expect(badSpan.text).toContain(`span ${'0'.repeat(15)}1 not found in trace ${recipeTraceId}`)
    const write = await call(session, 'query', { sql: 'DELETE FROM records' })
    expect(write.isError).toBe(true)
    expect(write.text).toContain('DELETE is rejected because it writes')
    const since = await call(session, 'search_traces', { since: 'yesterday-ish' })
    expect(since.isError).toBe(true)
    expect(since.text).toContain('invalid since "yesterday-ish"')
  })

  it('writes nothing but protocol messages to stdout', () => {
    expect(session.protocolErrors).toEqual([])
    expect(session.stderr()).toContain('MCP server listening on stdio')
  })
})

describe('loupe mcp without a running core', () => {
  it('replies to lines that are not JSON-RPC', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'loupe-mcp-raw-'))
    const child = spawn(process.execPath, [join(repoRoot, 'bin/loupe.js'), 'mcp', '--data', empty])
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
    const nextReply = async () => JSON.parse((await lines.next()).value as string) as unknown
    try {
      child.stdin.write('not json\n')
      expect(await nextReply()).toEqual({
        jsonrpc: '2.0',
        error: {
          code: -32700,
          message: expect.stringMatching(/^Parse error: the line is not valid JSON \(/),
        },
      })
      child.stdin.write('{"hello": 1}\n')
      expect(await nextReply()).toEqual({
        jsonrpc: '2.0',
        error: {
          code: -32600,
          message:
            'Invalid Request: the line is JSON but not a JSON-RPC 2.0 request or notification',
        },
      })
      // The server still replies to requests after both.
      child.stdin.write('{"jsonrpc": "2.0", "id": 7, "method": "ping"}\n')
      expect(await nextReply()).toEqual({ jsonrpc: '2.0', id: 7, result: {} })
      await expect
        .poll(() => stderr)
        .toContain('rejected an input line: Parse error: the line is not valid JSON')
      await expect.poll(() => stderr).toContain('rejected an input line: Invalid Request')
    } finally {
      const exited = once(child, 'exit')
      child.stdin.end()
      await exited
      removeDir(empty)
    }
  })

  it('reports a folder without a store as a tool error', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'loupe-mcp-empty-'))
    const session = await connect(empty)
    try {
      const search = await call(session, 'search_traces', { text: 'anything' })
      expect(search.isError).toBe(true)
      expect(search.text).toContain(`the folder ${empty} has no Loupe store yet`)
      const query = await call(session, 'query', { sql: 'SELECT 1' })
      expect(query.isError).toBe(true)
      expect(query.text).toContain('has no Loupe store yet')
    } finally {
      await session.close()
      removeDir(empty)
    }
  })

  it('reads the store after the core has stopped', async () => {
    await loupe.stop()
    const session = await connect(loupe.dataDir)
    try {
      const result = await call(session, 'search_traces', { text: DISH })
      expect(result.isError, result.text).toBe(false)
      expect(result.text).toContain(recipeTraceId)
      const outline = await call(session, 'show_trace', { trace_id: rejectedTraceId })
      expect(outline.text).toContain('status error, error class provider_rejected')
      expect(outline.text).toContain('invalid x-api-key')
    } finally {
      await session.close()
    }
  })
})

// `loupe replay`: a pydantic-ai agent run again against the recorded model
// replies of a run, with no upstream request, from a gateway recording or
// from the trace content alone; --until and --then; and divergence reports
// when the agent's requests change.

import { execFile, spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunDiffJson, RunJson, SpanJson, TraceDetail } from '../../src/shared/api'
import {
  fixturesDir,
  makeDataDir,
  removeDir,
  repoRoot,
  runCli,
  startTestCore,
  type TestCore,
  apiJson,
  agentEnv,
} from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

const agent = join(repoRoot, 'test/interop/replay_agent.py')
const MODEL = 'openai-chat:gpt-4o-mini'

interface AgentReport {
  error: string | null
  message: string | null
  output: string | null
  toolCalls: { name: string; arguments: Record<string, unknown> }[]
}

let upstream: Server
let upstreamUrl: string
let upstreamRequests = 0
let loupe: TestCore

/**
 * A stand-in for the OpenAI API: it asks for the Atlantis forecast, then
 * answers from the tool result.
 */
beforeAll(async () => {
  upstream = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      upstreamRequests++
      const body = JSON.parse(Buffer.concat(chunks).toString()) as {
        messages: { role: string; content: string }[]
      }
      const toolMessage = body.messages.find((message) => message.role === 'tool')
      const message = toolMessage
        ? { role: 'assistant', content: `The forecast says: ${toolMessage.content}.` }
        : {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_standin_1',
                type: 'function',
                function: { name: 'get_forecast', arguments: '{"city":"Atlantis"}' },
              },
            ],
          }
      response.writeHead(200, { 'Content-Type': 'application/json' })
      response.end(
        JSON.stringify({
          id: `chatcmpl-standin-${upstreamRequests}`,
          object: 'chat.completion',
          created: 1767225600,
          model: 'gpt-4o-mini',
          choices: [{ index: 0, message, finish_reason: toolMessage ? 'stop' : 'tool_calls' }],
          usage: { prompt_tokens: 30, completion_tokens: 10, total_tokens: 40 },
        }),
      )
    })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`
  loupe = await startTestCore()
})

afterAll(async () => {
  await loupe.stop()
  await new Promise((resolve) => upstream.close(resolve))
  removeDir(loupe.dataDir)
})

async function loupeCommand(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; run: RunJson; report: AgentReport; stderr: string }> {
  // Loupe's own flags go before the `--` that starts the agent command.
  const split = args.indexOf('--')
  const withFlags = [
    ...args.slice(0, split),
    '--json',
    '--data',
    loupe.dataDir,
    ...args.slice(split),
  ]
  const result = await runCli(withFlags, agentEnv(env))
  const start = result.stdout.indexOf('{\n')
  if (start < 0) throw new Error(`no run JSON (exit ${result.code}):\n${result.stderr}`)
  const run = JSON.parse(result.stdout.slice(start)) as RunJson
  const line = run.output!.split('\n').find((text) => text.startsWith('{"error"'))
  if (!line) throw new Error(`the agent printed no report:\n${run.output}`)
  return { code: result.code, run, report: JSON.parse(line) as AgentReport, stderr: result.stderr }
}

/** Runs the test venv's Python with a clean environment. */
function runPython(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(python!, args, { env: agentEnv(env) }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

function record(env: NodeJS.ProcessEnv = {}) {
  return loupeCommand(['run', '--record', '--', python!, agent, MODEL], {
    OPENAI_BASE_URL: upstreamUrl,
    OPENAI_API_KEY: 'sk-test-replay-not-a-real-key',
    ...env,
  })
}

function replay(source: string, flags: string[] = [], env: NodeJS.ProcessEnv = {}) {
  return loupeCommand(['replay', source, ...flags, '--', python!, agent, MODEL], env)
}

async function gatewaySpans(run: RunJson): Promise<SpanJson[]> {
  const spans: SpanJson[] = []
  for (const traceId of run.traceIds) {
    const detail = (await apiJson<TraceDetail>(loupe, `/api/traces/${traceId}/full`)).body
    spans.push(...detail.spans.filter((span) => span.attributes['loupe.gateway.api'] !== undefined))
  }
  return spans.sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))
}

describe.skipIf(!python)('loupe replay', () => {
  let recorded: RunJson
  let fixed: RunJson

  it('records a run whose tool fails', async () => {
    const before = upstreamRequests
    const { code, run, report } = await record()
    expect(code).toBe(1)
    expect(report.error).toBe('ValueError')
    expect(report.message).toBe('no forecast data for Atlantis')
    expect(run.errorClass).toBe('tool_failed')
    expect(upstreamRequests - before).toBe(1)
    recorded = run
  })

  it('reproduces the failure with no upstream request', async () => {
    const before = upstreamRequests
    const { code, run, report, stderr } = await replay(recorded.id)
    expect(upstreamRequests).toBe(before)
    expect(code).toBe(1)
    expect(report.message).toBe('no forecast data for Atlantis')
    expect(run.errorClass).toBe('tool_failed')
    expect(run.mode).toBe('replay')
    expect(run.replay).toEqual({
      source: recorded.id,
      sourceKind: 'gateway',
      recordedCalls: 1,
      served: 1,
      until: null,
      then: 'fail',
      divergence: null,
      editedSpanIds: [],
    })
    expect(stderr).toContain(`, replaying ${recorded.id}`)
    const [call] = await gatewaySpans(run)
    expect(call!.attributes['loupe.replay.index']).toBe(1)
    expect(call!.attributes['loupe.replay.source']).toBe(recorded.id)
  })

  it('runs past the recording after a fix', async () => {
    const before = upstreamRequests
    const { code, run, report } = await replay(recorded.id, ['--then', 'mock'], {
      FORECAST_FIXED: '1',
    })
    expect(upstreamRequests).toBe(before)
    expect(code).toBe(0)
    expect(report.error).toBeNull()
    // The recorded reply chose the same tool arguments as before the fix.
    expect(report.toolCalls[0]).toEqual({ name: 'get_forecast', arguments: { city: 'Atlantis' } })
    expect(run.errorClass).toBe('none')
    fixed = run
    expect(run.replay!.served).toBe(1)
    expect(run.replay!.divergence).toEqual({
      callIndex: 2,
      recordedSpanId: null,
      reasons: ['the run makes more model calls than the 1 recorded'],
    })
    // The first call is replayed; the mock answers the rest (it calls the other tool first).
    const calls = await gatewaySpans(run)
    expect(calls.map((span) => span.attributes['loupe.replay.index'] ?? null)).toEqual([
      1,
      null,
      null,
    ])
  })

  it('goes to the real provider after the recording', async () => {
    const before = upstreamRequests
    const { code, run, report } = await replay(recorded.id, ['--then', 'live'], {
      FORECAST_FIXED: '1',
      OPENAI_BASE_URL: upstreamUrl,
      OPENAI_API_KEY: 'sk-test-replay-not-a-real-key',
    })
    expect(code).toBe(0)
    // The first call is replayed; only the second reaches the upstream.
    expect(upstreamRequests - before).toBe(1)
    expect(report.output).toBe('The forecast says: sunny in Atlantis.')
    expect(run.replay!.then).toBe('live')
    expect(run.replay!.served).toBe(1)
    const calls = await gatewaySpans(run)
    expect(calls.map((span) => span.attributes['loupe.replay.index'] ?? null)).toEqual([1, null])
    expect(calls[1]!.attributes['loupe.gateway.upstream']).toBe(new URL(upstreamUrl).origin)
  })

  it('diffs the failed run and the fixed replay', async () => {
    const result = await runCli(
      ['diff', recorded.id, fixed.id, '--json', '--data', loupe.dataDir],
      agentEnv(),
    )
    expect(result.code).toBe(1)
    const diff = JSON.parse(result.stdout) as RunDiffJson
    expect(diff.a.errorClass).toBe('tool_failed')
    expect(diff.b.errorClass).toBe('none')
    expect(diff.steps[0]!.status).toBe('same')
    // The first divergence is the tool call that failed before the fix.
    expect(diff.firstDivergence).toBe(2)
    expect(diff.steps[1]).toMatchObject({ kind: 'tool', status: 'changed' })
    expect(diff.steps[1]!.changes).toEqual([
      'outcome changed: raised ValueError: no forecast data for Atlantis → returned "sunny in Atlantis"',
    ])
    expect(diff.steps.slice(2).every((step) => step.status === 'added')).toBe(true)

    const text = await runCli(['diff', recorded.id, fixed.id, '--data', loupe.dataDir], agentEnv())
    expect(text.stdout).toContain('first divergence at step 2\n  step 2 (tool call, changed):')
  })

  it('forks with an edited tool argument', async () => {
    const [call] = (await gatewaySpans(recorded)).filter(
      (span) => span.attributes['loupe.gateway.mode'] === 'record',
    )
    const edit = `${call!.spanId}={"toolCalls":[{"name":"get_forecast","arguments":{"city":"Lisbon"}}]}`
    const { code, run, report } = await replay(recorded.id, ['--edit', edit, '--then', 'mock'])
    expect(code).toBe(0)
    expect(report.toolCalls[0]).toEqual({ name: 'get_forecast', arguments: { city: 'Lisbon' } })
    expect(run.replay!.source).toBe(recorded.id)
    expect(run.replay!.editedSpanIds).toEqual([call!.spanId])

    const result = await runCli(
      ['diff', recorded.id, run.id, '--json', '--data', loupe.dataDir],
      agentEnv(),
    )
    const diff = JSON.parse(result.stdout) as RunDiffJson
    expect(diff.firstDivergence).toBe(1)
    expect(diff.steps[0]!.changes).toEqual([
      'reply changed: calls get_forecast({"city":"Atlantis"}) → calls get_forecast({"city":"Lisbon"})',
    ])
  })

  it('rejects an edit of a span it did not record', async () => {
    const result = await runCli(
      [
        'replay',
        recorded.id,
        '--edit',
        '0000000000000000={"text":"x"}',
        '--data',
        loupe.dataDir,
        '--',
        'true',
      ],
      agentEnv(),
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      'loupe: the edits cannot be applied:\n  span 0000000000000000 is not a model call of the recording',
    )
  })

  it('stops at a changed user prompt, not a changed system prompt', async () => {
    const changedPrompt = await replay(recorded.id, [], {
      AGENT_PROMPT: 'What is the weather in Lisbon?',
    })
    expect(changedPrompt.code).toBe(1)
    expect(changedPrompt.run.replay!.served).toBe(0)
    expect(changedPrompt.run.replay!.divergence).toEqual({
      callIndex: 1,
      recordedSpanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      reasons: [
        'the last user message differs: recorded "What is the weather in Atlantis?", now "What is the weather in Lisbon?"',
      ],
    })
    expect(changedPrompt.stderr).toContain(
      'loupe: the replay diverged at model call 1: the last user message differs',
    )
    expect(changedPrompt.report.message).toContain('Loupe replay diverged at model call 1')

    const changedInstructions = await replay(recorded.id, [], {
      AGENT_INSTRUCTIONS: 'You are terse. You answer questions about the weather.',
    })
    expect(changedInstructions.run.replay!.divergence).toBeNull()
    expect(changedInstructions.report.message).toBe('no forecast data for Atlantis')
  })

  it('replays a run known only from its OTLP trace', async () => {
    // Without --record or --mock, the agent talks to the upstream itself.
    const direct = await loupeCommand(['run', '--', python!, agent, MODEL], {
      OPENAI_BASE_URL: upstreamUrl,
      OPENAI_API_KEY: 'sk-test-replay-not-a-real-key',
      FORECAST_FIXED: '1',
    })
    expect(direct.code).toBe(0)
    const before = upstreamRequests
    const { code, run, report } = await replay(direct.run.id, [], { FORECAST_FIXED: '1' })
    expect(upstreamRequests).toBe(before)
    expect(code).toBe(0)
    expect(report.output).toBe(direct.report.output)
    expect(report.output).toBe('The forecast says: sunny in Atlantis.')
    expect(run.replay!.sourceKind).toBe('trace')
    expect(run.replay!.served).toBe(2)
    expect(run.replay!.divergence).toBeNull()
  })

  it('serves until a span, then the mock', async () => {
    const scenario = join(fixturesDir, 'gateway-scenarios/three-calls.yaml')
    const original = await loupeCommand(['run', '--mock', scenario, '--', python!, agent, MODEL], {
      FORECAST_FIXED: '1',
    })
    expect(original.report.output).toBe('Scripted: sunny and 40%.')
    const calls = await gatewaySpans(original.run)
    expect(calls).toHaveLength(3)
    const { run, report } = await replay(
      original.run.id,
      ['--until', calls[1]!.spanId, '--then', 'mock'],
      { FORECAST_FIXED: '1' },
    )
    expect(report.error).toBeNull()
    expect(report.output).toMatch(/^Mock answer from the Loupe gateway/)
    const replayed = await gatewaySpans(run)
    expect(replayed.map((span) => span.attributes['loupe.replay.index'] ?? null)).toEqual([
      1,
      2,
      null,
    ])
    expect(run.replay!.served).toBe(2)
    expect(run.replay!.divergence).toBeNull()
  })

  it('saves a cassette and replays it from the file', async () => {
    const folder = makeDataDir('loupe-cassette-')
    const file = join(folder, 'atlantis.cassette.json')
    try {
      const saved = await runCli(
        ['replay', recorded.id, '--save', file, '--data', loupe.dataDir],
        agentEnv(),
      )
      expect(saved.code).toBe(0)
      const cassette = JSON.parse(readFileSync(file, 'utf8')) as {
        version: number
        calls: { reply: { toolCalls: { name: string; arguments: unknown }[] } }[]
      }
      expect(cassette.version).toBe(1)
      expect(cassette.calls[0]!.reply.toolCalls).toEqual([
        { id: 'call_standin_1', name: 'get_forecast', arguments: { city: 'Atlantis' } },
      ])
      const { run, report } = await replay(file)
      expect(report.message).toBe('no forecast data for Atlantis')
      expect(run.replay!.source).toBe('atlantis.cassette.json')
    } finally {
      removeDir(folder)
    }
  })

  it('serves a cassette with loupe mock --replay', async () => {
    const folder = makeDataDir('loupe-cassette-')
    const file = join(folder, 'atlantis.cassette.json')
    expect(
      (await runCli(['replay', recorded.id, '--save', file, '--data', loupe.dataDir])).code,
    ).toBe(0)
    const mock = spawn(
      process.execPath,
      [
        join(repoRoot, 'bin/loupe.js'),
        'mock',
        '--port',
        '0',
        '--data',
        join(folder, 'data'),
        '--replay',
        file,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    try {
      let stdout = ''
      mock.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      for (let i = 0; i < 200 && !stdout.includes('OPENAI_BASE_URL='); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const baseUrl = /OPENAI_BASE_URL=(\S+)/.exec(stdout)![1]!
      const ask = (content: string) =>
        fetch(`${baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: 'Bearer any' },
          // The recorded call offered both tools, and a replayed request must offer them too.
          body: JSON.stringify({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content }],
            tools: ['get_forecast', 'get_humidity'].map((name) => ({
              type: 'function',
              function: { name, parameters: { type: 'object', properties: {} } },
            })),
          }),
        })
      const replayed = (await (await ask('What is the weather in Atlantis?')).json()) as {
        choices: { message: { tool_calls: { id: string; function: { arguments: string } }[] } }[]
      }
      expect(replayed.choices[0]!.message.tool_calls[0]!.id).toBe('call_standin_1')
      expect(replayed.choices[0]!.message.tool_calls[0]!.function.arguments).toBe(
        '{"city":"Atlantis"}',
      )
      // The recording has one call; the next diverges and fails, as --then fail says.
      expect((await ask('What is the weather in Atlantis?')).status).toBe(400)
    } finally {
      mock.kill('SIGTERM')
      await new Promise((resolve) => mock.once('exit', resolve))
      removeDir(folder)
    }
  })

  it('exports a pytest that needs no Loupe', async () => {
    const folder = makeDataDir('loupe-export-')
    try {
      const written = await runCli(
        [
          'replay',
          recorded.id,
          '--export-test',
          folder,
          '--agent',
          'replay_agent:build_agent',
          '--data',
          loupe.dataDir,
        ],
        agentEnv(),
      )
      expect(written.code).toBe(0)
      const pytest = (env: NodeJS.ProcessEnv = {}) =>
        runPython(
          ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', join(folder, 'test_replay.py')],
          {
            PYTHONPATH: join(repoRoot, 'test/interop'),
            ...env,
          },
        )
      // No Loupe is needed: the test runs with no OTLP endpoint and no provider settings.
      const passing = await pytest()
      expect(passing.stdout).toContain('1 passed')
      expect(passing.code).toBe(0)
      const renamed = await pytest({ FORECAST_TOOL_NAME: 'get_weather_forecast' })
      expect(renamed.code).toBe(1)
      expect(renamed.stdout).toContain('the agent no longer offers the recorded tool get_forecast')
    } finally {
      removeDir(folder)
    }
  })

  it('exports a run that ended on a provider error', async () => {
    const limited = await loupeCommand([
      'run',
      '--mock',
      join(fixturesDir, 'gateway-scenarios/rate-limit.yaml'),
      '--',
      python!,
      agent,
      MODEL,
    ])
    expect(limited.run.errorClass).toBe('upstream_unavailable')
    const folder = makeDataDir('loupe-export-')
    try {
      const written = await runCli(
        [
          'replay',
          limited.run.id,
          '--export-test',
          folder,
          '--agent',
          'replay_agent:build_agent',
          '--data',
          loupe.dataDir,
        ],
        agentEnv(),
      )
      expect(written.code).toBe(0)
      const pytest = await runPython(
        ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', join(folder, 'test_replay.py')],
        { PYTHONPATH: join(repoRoot, 'test/interop') },
      )
      expect(pytest.stdout).toContain('1 passed')
    } finally {
      removeDir(folder)
    }
  })

  it('exports a vitest that runs a Node agent against loupe mock', async () => {
    const nodeAgent = ['node', 'node_agent.mjs']
    const original = await runCli(
      [
        'run',
        '--json',
        '--mock',
        '--data',
        loupe.dataDir,
        '--',
        process.execPath,
        join(repoRoot, 'test/interop/node_agent.mjs'),
      ],
      agentEnv(),
    )
    expect(original.code).toBe(0)
    const run = JSON.parse(original.stdout) as RunJson
    // Inside the repository, so that the test file finds vitest in node_modules.
    const folder = join(repoRoot, 'test-results', `exported-vitest-${run.id}`)
    try {
      const written = await runCli(
        [
          'replay',
          run.id,
          '--export-test',
          folder,
          '--agent-command',
          nodeAgent.join(' '),
          '--data',
          loupe.dataDir,
        ],
        agentEnv(),
      )
      expect(written.code).toBe(0)
      writeFileSync(join(folder, 'vitest.config.mjs'), 'export default {}\n')
      const vitest = (env: NodeJS.ProcessEnv) =>
        new Promise<{ code: number; output: string }>((resolve) => {
          execFile(
            process.execPath,
            [
              join(repoRoot, 'node_modules/vitest/vitest.mjs'),
              'run',
              '--root',
              folder,
              // A config of its own, as in a user's project, instead of this repository's.
              '--config',
              join(folder, 'vitest.config.mjs'),
            ],
            {
              cwd: folder,
              env: agentEnv({
                LOUPE_COMMAND: `${process.execPath} ${join(repoRoot, 'bin/loupe.js')}`,
                AGENT_CWD: join(repoRoot, 'test/interop'),
                ...env,
              }),
            },
            (error, stdout, stderr) =>
              resolve({
                code: error ? ((error as { code?: number }).code ?? 1) : 0,
                output: stdout + stderr,
              }),
          )
        })
      const passing = await vitest({})
      expect(passing.output).toContain('1 passed')
      expect(passing.code).toBe(0)
      const changed = await vitest({ AGENT_PROMPT: 'What is the weather in Lisbon?' })
      expect(changed.code).toBe(1)
      expect(changed.output).toContain('the agent sent requests that the recording does not have')
    } finally {
      removeDir(folder)
    }
  })

  it('explains what cannot be replayed', async () => {
    const result = await runCli([
      'replay',
      'run_0000000000000000',
      '--data',
      loupe.dataDir,
      '--',
      'true',
    ])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('nothing named run_0000000000000000 to replay')
  })
})

// `loupe run --mock` proves "no network": a real pydantic-ai agent and
// Loupe itself run inside a network namespace that has only loopback
// (`unshare -n`), and the agent still completes with its tools called and a
// valid structured output, all visible in its trace.

import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import type { RunJson, TraceDetail } from '../../src/shared/api'
import { cliJson, makeDataDir, removeDir, repoRoot } from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'

const execFileAsync = promisify(execFile)
const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

/** Network namespaces need root and iproute2 (`ip`); CI has both. */
const canIsolate =
  process.getuid?.() === 0 && existsSync('/usr/bin/unshare') && existsSync('/usr/sbin/ip')
if (!canIsolate && process.env.CI)
  throw new Error('network namespace tests need root, unshare and ip (iproute2)')

interface AgentReport {
  toolCalls: { name: string; arguments: unknown; problem: string | null }[]
  retries: unknown[]
  outputValid: boolean
  traceId: string
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(OTEL_|LOGFIRE_|OPENAI_|ANTHROPIC_)/.test(key)) env[key] = value
  }
  return env
}

const cases: [string, string][] = [
  ['openai:gpt-4o-mini', 'run'],
  ['openai:gpt-4o-mini', 'stream'],
  ['openai-chat:gpt-4o-mini', 'run'],
  ['openai-chat:gpt-4o-mini', 'stream'],
  ['anthropic:claude-sonnet-4-5', 'run'],
]

describe.skipIf(!python || !canIsolate)('loupe run --mock without network', () => {
  const dataDir = makeDataDir()

  afterAll(() => removeDir(dataDir))

  it.each(cases)('%s %s completes offline', async (model, mode) => {
    const loupe = `${process.execPath} ${join(repoRoot, 'bin/loupe.js')}`
    const agent = `${python} ${join(repoRoot, 'test/interop/gateway_agent.py')} ${model} ${mode}`
    // Only loopback exists in this namespace: any call to a real provider would fail.
    const script = `ip link set lo up && exec ${loupe} run --mock --json --data ${dataDir} -- ${agent}`
    const { stdout } = await execFileAsync('unshare', ['-n', 'sh', '-c', script], {
      env: cleanEnv(),
      timeout: 90_000,
      maxBuffer: 64 * 1024 * 1024,
    })
    // With --json, standard output is the run alone; the agent's own output is in the run.
    const run = JSON.parse(stdout) as RunJson
    const report = JSON.parse(
      run.output!.split('\n').find((line) => line.startsWith('{"'))!,
    ) as AgentReport

    expect(run.exitCode).toBe(0)
    expect(run.mode).toBe('mock')
    expect(run.errorClass).toBe('none')
    expect(report.retries).toEqual([])
    expect(report.outputValid).toBe(true)
    // The final output comes through pydantic-ai's output tool, called last.
    expect(report.toolCalls.map((c) => c.name)).toEqual([
      'get_forecast',
      'get_humidity',
      'final_result',
    ])
    expect(report.toolCalls.map((c) => c.problem)).toEqual([null, null, null])
    expect(run.traceIds).toContain(report.traceId)
    expect(run.modelCalls).toBe(2)
    expect(run.toolCalls).toBe(2)
    expect(run.inputTokens).toBeGreaterThan(0)

    const detail = await cliJson<TraceDetail>(['show', report.traceId, '--json', '--data', dataDir])
    const tools = detail.spans.filter((s) => s.kind === 'tool')
    expect(tools.map((s) => s.toolName).sort()).toEqual(['get_forecast', 'get_humidity'])
    for (const tool of tools) {
      const called = report.toolCalls.find((c) => c.name === tool.toolName)!
      expect(tool.toolArguments).toEqual(called.arguments)
    }
    expect(detail.trace.modelCalls).toBe(2)
  })
})

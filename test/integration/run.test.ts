// `loupe run`: real agent commands started with the environment that points
// them at Loupe, their runs stored with exit code, output and traces, and
// --fail-on turning an error class into a failing exit code.

import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunJson, TraceDetail } from '../../src/shared/api'
import {
  apiJson,
  cliJson,
  makeDataDir,
  removeDir,
  repoRoot,
  runCli,
  startTestCore,
  type TestCore,
} from '../helpers/core'
import { missingPythonMessage, testPython } from '../helpers/python'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

/** Environment without OTel or Logfire settings of the machine, as a fresh shell has. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && !key.startsWith('LOGFIRE_')) env[key] = value
  }
  return env
}

async function loupeRun(
  args: string[],
  command: string[],
): Promise<{ code: number; run: RunJson; stderr: string }> {
  const result = await runCli(['run', '--json', ...args, '--', ...command], cleanEnv())
  const run = JSON.parse(result.stdout.slice(result.stdout.indexOf('{\n'))) as RunJson
  return { code: result.code, run, stderr: result.stderr }
}

describe.skipIf(!python)('loupe run without a running core', () => {
  const dataDir = makeDataDir()

  afterAll(() => removeDir(dataDir))

  it('runs a Logfire agent and stores its run', async () => {
    const { code, run, stderr } = await loupeRun(
      ['--data', dataDir],
      [python!, join(repoRoot, 'test/interop/chat_turn.py')],
    )
    expect(code).toBe(0)
    expect(run.exitCode).toBe(0)
    expect(run.modelCalls).toBe(2)
    expect(run.toolCalls).toBe(2)
    expect(run.errorClass).toBe('none')
    expect(run.command.at(-1)).toMatch(/chat_turn\.py$/)
    expect(stderr).toContain(`loupe: run ${run.id} started`)
    // The agent printed its trace id, which the run must list.
    const agentTrace = run
      .output!.trim()
      .split('\n')
      .find((line) => /^[0-9a-f]{32}$/.test(line))!
    expect(run.traceIds).toContain(agentTrace)
    const detail = await cliJson<TraceDetail>(['show', agentTrace, '--json', '--data', dataDir])
    expect(detail.spans[0]!.resource.attributes['loupe.run.id']).toBe(run.id)
  })

  it('passes on the exit code of a failing command', async () => {
    const { code, run } = await loupeRun(
      ['--data', dataDir],
      [python!, '-c', 'print("bye"); raise SystemExit(3)'],
    )
    expect(code).toBe(3)
    expect(run.exitCode).toBe(3)
    expect(run.output).toContain('bye')
  })

  it('exits as a shell would when a signal ends the command', async () => {
    const { code, run } = await loupeRun(['--data', dataDir], ['sh', '-c', 'kill -TERM $$'])
    expect(run.exitCode).toBeNull()
    expect(run.signal).toBe('SIGTERM')
    // 128 plus the signal's number, 15.
    expect(code).toBe(143)
  })

  it('fails on a listed error class', async () => {
    const command = [
      python!,
      join(repoRoot, 'test/interop/scenarios.py'),
      'tool_key_error',
      'logfire',
    ]
    const plain = await loupeRun(['--data', dataDir], command)
    expect(plain.code).toBe(0)
    expect(plain.run.errorClasses).toEqual(['tool_failed'])
    const failing = await loupeRun(['--data', dataDir, '--fail-on', 'timeout,tool_failed'], command)
    expect(failing.code).toBe(1)
    expect(failing.stderr).toContain('the run ended with tool_failed (--fail-on)')
  })

  it('rejects an unknown error class', async () => {
    const result = await runCli(['run', '--fail-on', 'oops', '--data', dataDir, '--', 'true'])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('unknown error class oops')
  })
})

describe.skipIf(!python)('loupe run with a running core', () => {
  let loupe: TestCore

  beforeAll(async () => {
    loupe = await startTestCore()
  })

  afterAll(async () => {
    await loupe.stop()
    removeDir(loupe.dataDir)
  })

  it('records the run in the running core', async () => {
    const { run } = await loupeRun(
      ['--data', loupe.dataDir],
      [python!, join(repoRoot, 'test/interop/chat_turn.py')],
    )
    const response = await fetch(`${loupe.uiUrl}/api/runs`, {
      headers: { Authorization: `Bearer ${loupe.core.discovery.token}` },
    })
    const runs = (await response.json()) as RunJson[]
    expect(runs.map((r) => r.id)).toContain(run.id)
    const stored = runs.find((r) => r.id === run.id)!
    expect(stored.endedAt).not.toBeNull()
    expect(stored.modelCalls).toBe(2)
  })
})

describe('loupe run ending its command', () => {
  const dataDir = makeDataDir()

  afterAll(() => removeDir(dataDir))

  it('ends when the command exits, not its background jobs', async () => {
    const started = Date.now()
    const result = await runCli(
      ['run', '--mock', '--data', dataDir, '--', 'sh', '-c', 'sleep 30 & echo started; exit 0'],
      cleanEnv(),
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('started')
    // A hang check: waiting for the background sleep would take 30 s.
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('prints only the run as JSON with --json', async () => {
    const result = await runCli(
      ['run', '--json', '--mock', '--data', dataDir, '--', 'sh', '-c', 'echo to-stdout'],
      cleanEnv(),
    )
    const run = JSON.parse(result.stdout) as RunJson
    expect(run.output).toContain('to-stdout')
    expect(result.stderr).toContain('to-stdout')
  })

  it('finishes a run whose command cannot start', async () => {
    const result = await runCli(
      ['run', '--mock', '--data', dataDir, '--', '/no/such/program'],
      cleanEnv(),
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      'loupe: cannot start /no/such/program: spawn /no/such/program ENOENT',
    )
    const loupe = await startTestCore(makeDataDir())
    try {
      const failed = await runCli(
        ['run', '--mock', '--data', loupe.dataDir, '--', '/no/such/program'],
        cleanEnv(),
      )
      expect(failed.code).toBe(1)
      const [run] = (await apiJson<RunJson[]>(loupe, '/api/runs')).body
      expect(run!.state).toBe('failed')
      expect(run!.endedAt).not.toBeNull()
      expect(run!.output).toContain('cannot start /no/such/program')
    } finally {
      await loupe.stop()
      removeDir(loupe.dataDir)
    }
  })

  it('prints a run that cannot start as JSON', async () => {
    const result = await runCli(
      ['run', '--json', '--mock', '--data', dataDir, '--', '/no/such/program'],
      cleanEnv(),
    )
    expect(result.code).toBe(1)
    const run = JSON.parse(result.stdout) as RunJson
    expect(run.state).toBe('failed')
    expect(run.output).toContain('cannot start /no/such/program')
    expect(result.stderr).toContain('loupe: cannot start /no/such/program')
  })

  it('stops a command that ignores Ctrl-C', async () => {
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'bin/loupe.js'),
        'run',
        '--mock',
        '--data',
        dataDir,
        '--',
        'sh',
        '-c',
        'trap "" INT TERM; echo "group $$"; while true; do sleep 1; done',
      ],
      { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    for (let i = 0; i < 200 && !/group \d+/.test(stdout); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const group = Number(/group (\d+)/.exec(stdout)![1])
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGINT')
    // SIGINT and SIGTERM are ignored, so the group ends with SIGKILL after two
    // steps, and loupe exits as a shell would: 128 plus 9.
    expect(await exited).toBe(137)
    // Killed processes are gone once reaped; allow the system a moment for that.
    let alive = true
    for (let i = 0; i < 40 && alive; i++) {
      try {
        process.kill(-group, 0)
        await new Promise((resolve) => setTimeout(resolve, 50))
      } catch {
        alive = false
      }
    }
    expect(alive).toBe(false)
  })
})

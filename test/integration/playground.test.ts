// The playground API: commands that the core starts itself, their output
// streamed live, their runs stored with exit code and output, stop requests
// that end the whole process tree, and the rules on who may start commands.

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  PlaygroundInfo,
  PlaygroundRunRequest,
  PushMessage,
  RunJson,
  RunOutputEvent,
} from '../../src/shared/api'
import { joinCommandLine } from '../../src/core/runner/command-line'
import { makeDataDir, removeDir, repoRoot, startTestCore, type TestCore } from '../helpers/core'
import { isProcessRunning, waitUntilEnded } from '../helpers/processes'
import { missingPythonMessage, testPython } from '../helpers/python'
import { readEvents, waitFor } from '../helpers/sse'

const python = testPython()
if (!python && process.env.CI) throw new Error(missingPythonMessage)

let served: TestCore
let token: string
let workDir: string

beforeAll(async () => {
  served = await startTestCore()
  token = served.core.discovery.token
  workDir = makeDataDir('loupe-playground-work-')
})

afterAll(async () => {
  await served.stop()
  removeDir(served.dataDir)
  removeDir(workDir)
})

function api(core: TestCore, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${core.uiUrl}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${core.core.discovery.token}`,
      'Content-Type': 'application/json',
    },
  })
}

async function startRun(
  request: PlaygroundRunRequest,
  core: TestCore = served,
): Promise<{ status: number; run: RunJson; error: string; failedRunId?: string }> {
  const response = await api(core, '/api/playground/runs', {
    method: 'POST',
    body: JSON.stringify(request),
  })
  const body = (await response.json()) as RunJson & { error: string; runId?: string }
  return { status: response.status, run: body, error: body.error, failedRunId: body.runId }
}

/** Follows a run's output stream in the background. */
function watchOutput(core: TestCore, runId: string) {
  let text = ''
  const ended = (async () => {
    for await (const event of readEvents<RunOutputEvent>(
      `${core.uiUrl}/api/runs/${runId}/output`,
      core.core.discovery.token,
    )) {
      if (event.type === 'output') text += event.text
      else return event.run
    }
    throw new Error(`the output stream of ${runId} ended without an end event`)
  })()
  return {
    text: () => text,
    ended,
    /** Waits until the output so far matches `pattern`, and returns the match. */
    waitFor: (pattern: RegExp, timeoutMs = 20_000) =>
      waitFor(`output matching ${pattern}`, () => pattern.exec(text) ?? undefined, timeoutMs),
  }
}

function nodeCommand(script: string, ...args: string[]): string {
  return joinCommandLine([process.execPath, '-e', script, ...args])
}

describe('starting a command', () => {
  it('streams output live and records the exit code', async () => {
    const marker = join(workDir, 'go-on')
    const script = `
      const fs = require('fs')
      console.log('first line')
      console.error('to stderr')
      const timer = setInterval(() => {
        if (!fs.existsSync(process.argv[1])) return
        clearInterval(timer)
        console.log('second line')
        process.exit(3)
      }, 20)`
    const { status, run } = await startRun({
      commandLine: nodeCommand(script, marker),
      cwd: workDir,
      mode: 'mock',
    })
    expect(status).toBe(201)
    expect(run.state).toBe('running')
    expect(run.cwd).toBe(workDir)
    expect(run.mode).toBe('mock')
    expect(run.command).toEqual([process.execPath, '-e', script, marker])

    const output = watchOutput(served, run.id)
    // The command waits for the marker, so these lines can only come from the live stream.
    await output.waitFor(/first line/)
    await output.waitFor(/to stderr/)
    expect(output.text()).not.toContain('second line')
    writeFileSync(marker, '')

    const ended = await output.ended
    expect(ended.state).toBe('exited')
    expect(ended.exitCode).toBe(3)
    expect(ended.signal).toBeNull()
    expect(output.text()).toContain('second line')
    expect(ended.output).toContain('first line\n')
    expect(ended.output).toContain('to stderr\n')
    expect(ended.output).toContain('second line\n')

    const stored = (await (await api(served, `/api/runs/${run.id}`)).json()) as RunJson
    expect(stored.state).toBe('exited')
    expect(stored.exitCode).toBe(3)
    expect(stored.endedAt).not.toBeNull()
  })

  it('gives the command the run environment of its mode', async () => {
    const script =
      'console.log(JSON.stringify({ resource: process.env.OTEL_RESOURCE_ATTRIBUTES, ' +
      'openai: process.env.OPENAI_BASE_URL ?? null, cwd: process.cwd() }))'
    const mock = await startRun({ commandLine: nodeCommand(script), cwd: workDir, mode: 'mock' })
    const mockEnd = await watchOutput(served, mock.run.id).ended
    const mockEnv = JSON.parse(mockEnd.output!) as Record<string, string | null>
    expect(mockEnv.resource).toContain(`loupe.run.id=${mock.run.id}`)
    expect(mockEnv.openai).toBe(`${served.otlpHttpUrl}/gateway/openai/v1`)
    expect(mockEnv.cwd).toBe(workDir)

    const live = await startRun({ commandLine: nodeCommand(script), cwd: workDir, mode: 'live' })
    const liveEnd = await watchOutput(served, live.run.id).ended
    const liveEnv = JSON.parse(liveEnd.output!) as Record<string, string | null>
    expect(liveEnv.resource).toContain(`loupe.run.id=${live.run.id}`)
    // Live runs keep the provider settings of the core's own environment.
    expect(liveEnv.openai).toBe(process.env.OPENAI_BASE_URL ?? null)
    expect(live.run.mode).toBe('live')
  })

  it('sends started and ended runs over the push channel', async () => {
    const controller = new AbortController()
    const seen: RunJson[] = []
    const events = readEvents<PushMessage>(`${served.uiUrl}/api/events`, token, controller.signal)
    const first = await events.next()
    expect((first.value as PushMessage).type).toBe('status')
    const reading = (async () => {
      try {
        for await (const message of events) if (message.type === 'run') seen.push(message.run)
      } catch (error) {
        if (!controller.signal.aborted) throw error
      }
    })()

    const { run } = await startRun({
      commandLine: nodeCommand('console.log("pushed")'),
      cwd: workDir,
      mode: 'mock',
    })
    await waitFor('the ended run on the push channel', () =>
      seen.find((r) => r.id === run.id && r.state === 'exited'),
    )
    expect(seen.some((r) => r.id === run.id && r.state === 'running')).toBe(true)
    controller.abort()
    await reading
  })

  it('remembers the last settings per folder', async () => {
    const folder = join(workDir, 'project-a')
    mkdirSync(folder)
    const commandLine = nodeCommand('console.log("remember me")')
    const scenario = '{"turns": [{"text": "hello"}]}'
    await watchOutput(
      served,
      (await startRun({ commandLine, cwd: folder, mode: 'scenario', scenario })).run.id,
    ).ended
    await watchOutput(
      served,
      (await startRun({ commandLine, cwd: folder, mode: 'mock', scenario: null })).run.id,
    ).ended

    const info = (await (await api(served, '/api/playground')).json()) as PlaygroundInfo
    expect(info.enabled).toBe(true)
    expect(info.disabledReason).toBeNull()
    const settings = info.recent.find((s) => s.cwd === folder)
    expect(settings?.commandLine).toBe(commandLine)
    expect(settings?.mode).toBe('mock')
    // The scenario stays for the folder after a run in another mode.
    expect(settings?.scenario).toBe(scenario)
    expect(info.recent[0]?.cwd).toBe(folder)
  })

  it('answers from a scenario in scenario mode', async () => {
    // One chat completion through the gateway, printing the answer's text.
    const script = `
      (async () => {
        const response = await fetch(process.env.OPENAI_BASE_URL + '/chat/completions', {
          method: 'POST',
          headers: {
            Authorization: 'Bearer ' + process.env.OPENAI_API_KEY,
            'Content-Type': 'application/json',
          },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        })
        const body = await response.json()
        console.log(response.status, body.choices[0].message.content)
      })()`
    const scenario = JSON.stringify({ turns: [{ text: 'Scripted by the playground.' }] })
    const { status, run } = await startRun({
      commandLine: nodeCommand(script),
      cwd: workDir,
      mode: 'scenario',
      scenario,
    })
    expect(status).toBe(201)
    const ended = await watchOutput(served, run.id).ended
    expect(ended.output).toBe('200 Scripted by the playground.\n')
    expect(ended.mode).toBe('mock')
    expect(ended.scenario).toBe('playground scenario')
    expect(ended.scenarioText).toBe(scenario)
  })

  it('rejects an invalid scenario with its line', async () => {
    const response = await api(served, '/api/playground/runs', {
      method: 'POST',
      body: JSON.stringify({
        commandLine: 'true',
        cwd: workDir,
        mode: 'scenario',
        scenario: '{\n  "turns": [\n    { "fault": "explode" }\n  ]\n}\n',
      }),
    })
    expect(response.status).toBe(400)
    const body = (await response.json()) as { error: string; problems: string[] }
    expect(body.error).toMatch(/^playground scenario is not a valid scenario/)
    expect(body.problems).toHaveLength(1)
    expect(body.problems[0]).toMatch(/^line 3, turns\[0\]\.fault: /)
  })

  it.skipIf(!python)('runs a pydantic-ai agent against the mock model', async () => {
    const agent = join(repoRoot, 'test/interop/gateway_agent.py')
    const { run } = await startRun({
      commandLine: joinCommandLine([python!, agent, 'openai-chat:gpt-4o-mini', 'run']),
      cwd: repoRoot,
      mode: 'mock',
    })
    const ended = await watchOutput(served, run.id).ended
    expect(ended.exitCode).toBe(0)
    const report = JSON.parse(ended.output!.trim().split('\n').at(-1)!) as { traceId: string }
    const stored = await waitFor('the run with its model calls', async () => {
      const current = (await (await api(served, `/api/runs/${run.id}?wait=1`)).json()) as RunJson
      return current.modelCalls > 0 ? current : undefined
    })
    expect(stored.traceIds).toContain(report.traceId)
    expect(stored.errorClass).toBe('none')
    expect(stored.inputTokens).toBeGreaterThan(0)
  })
})

describe('invalid requests', () => {
  const cases: [string, Partial<PlaygroundRunRequest>, number, RegExp][] = [
    ['an open quote', { commandLine: 'echo "abc' }, 400, /unclosed double quote at character 6/],
    ['an empty command line', { commandLine: '   ' }, 400, /command line is empty/],
    ['a missing folder', { cwd: '/nonexistent/loupe-folder' }, 400, /does not exist/],
    ['a relative folder', { cwd: 'some/folder' }, 400, /not an absolute path/],
    ['an unknown mode', { mode: 'turbo' as 'mock' }, 400, /mode/],
    ['scenario mode without one', { mode: 'scenario', scenario: '' }, 400, /needs a scenario/],
    [
      'a program that does not exist',
      { commandLine: 'loupe-no-such-program --flag' },
      400,
      /could not start loupe-no-such-program: .*ENOENT/,
    ],
  ]

  it.each(cases)('rejects %s', async (_name, change, status, message) => {
    const { status: actual, error } = await startRun({
      commandLine: 'echo hello',
      cwd: workDir,
      mode: 'mock',
      ...change,
    })
    expect(actual).toBe(status)
    expect(error).toMatch(message)
  })

  it('rejects a file as the folder', async () => {
    const file = join(workDir, 'a-file')
    writeFileSync(file, 'not a folder')
    const { status, error } = await startRun({ commandLine: 'echo hi', cwd: file, mode: 'mock' })
    expect(status).toBe(400)
    expect(error).toBe(`the working folder ${file} is not a directory`)
  })

  it('records a run whose program cannot start as failed', async () => {
    const { error, failedRunId } = await startRun({
      commandLine: 'loupe-missing-program',
      cwd: workDir,
      mode: 'mock',
    })
    const runId = /\(run (run_[0-9a-f]+)\)/.exec(error)![1]!
    // The body names the failed run, so that the page can open it.
    expect(failedRunId).toBe(runId)
    const run = (await (await api(served, `/api/runs/${runId}`)).json()) as RunJson
    expect(run.state).toBe('failed')
    expect(run.output).toContain('could not start loupe-missing-program')
  })

  it('rejects starting a command without the token', async () => {
    const marker = join(workDir, 'started-without-token')
    const response = await fetch(`${served.uiUrl}/api/playground/runs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        commandLine: nodeCommand('require("fs").writeFileSync(process.argv[1], "")', marker),
        cwd: workDir,
        mode: 'mock',
      }),
    })
    expect(response.status).toBe(401)
    const wrongToken = await fetch(`${served.uiUrl}/api/playground/runs`, {
      method: 'POST',
      headers: { Authorization: 'Bearer not-the-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ commandLine: 'true', cwd: workDir, mode: 'mock' }),
    })
    expect(wrongToken.status).toBe(401)
    expect((await fetch(`${served.uiUrl}/api/runs/run_0/stop`, { method: 'POST' })).status).toBe(
      401,
    )
    expect((await fetch(`${served.uiUrl}/api/runs/run_0/output`)).status).toBe(401)
    expect(existsSync(marker)).toBe(false)
  })

  it('rejects stopping a run that is not running', async () => {
    const missing = await api(served, '/api/runs/run_missing/stop', { method: 'POST' })
    expect(missing.status).toBe(404)
    const { run } = await startRun({ commandLine: 'true', cwd: workDir, mode: 'mock' })
    await watchOutput(served, run.id).ended
    const ended = await api(served, `/api/runs/${run.id}/stop`, { method: 'POST' })
    expect(ended.status).toBe(409)
    expect(((await ended.json()) as { error: string }).error).toMatch(/is not running/)
  })
})

describe('runs started by loupe run', () => {
  it('streams the stored output and cannot be stopped here', async () => {
    // `loupe run` creates the run through the API and starts the command itself.
    const created = await api(served, '/api/runs', {
      method: 'POST',
      body: JSON.stringify({ command: ['python', 'agent.py'], cwd: workDir, mode: 'mock' }),
    })
    const { runId } = (await created.json()) as { runId: string }
    const output = watchOutput(served, runId)
    const running = await output.ended
    expect(running.state).toBe('running')
    expect(output.text()).toBe('')

    const stop = await api(served, `/api/runs/${runId}/stop`, { method: 'POST' })
    expect(stop.status).toBe(409)
    expect(((await stop.json()) as { error: string }).error).toMatch(/`loupe run` started it/)

    await api(served, `/api/runs/${runId}/finish`, {
      method: 'POST',
      body: JSON.stringify({ exitCode: 0, output: 'done\n' }),
    })
    const after = watchOutput(served, runId)
    const ended = await after.ended
    expect(ended.state).toBe('exited')
    expect(after.text()).toBe('done\n')
  })
})

/** Reads "name pid" pairs that a command printed. */
function pidsIn(text: string, names: string[]): number[] {
  return names.map((name) => Number(new RegExp(`${name} (\\d+)`).exec(text)![1]))
}

describe('stopping a run', () => {
  it('ends a shell and its background job', async () => {
    const { run } = await startRun({
      commandLine: `sh -c 'sleep 300 & echo "job $!"; echo "shell $$"; wait'`,
      cwd: workDir,
      mode: 'mock',
    })
    const output = watchOutput(served, run.id)
    await output.waitFor(/shell \d+/)
    await output.waitFor(/job \d+/)
    const pids = pidsIn(output.text(), ['shell', 'job'])
    expect(pids.every(isProcessRunning)).toBe(true)

    const stop = await api(served, `/api/runs/${run.id}/stop`, { method: 'POST' })
    expect(stop.status).toBe(202)
    const ended = await output.ended
    await waitUntilEnded(pids)
    expect(ended.state).toBe('stopped')
    expect(ended.signal).toBe('SIGTERM')
    expect(ended.exitCode).toBeNull()
    expect(ended.output).toContain('stop requested; sent SIGTERM to the process group')
  })

  it.skipIf(!python)('kills workers that ignore SIGTERM', async () => {
    // Every process ignores SIGTERM (an ignored signal stays ignored across
    // fork and exec), so only the SIGKILL after the grace period ends them.
    const worker = [
      'import signal, subprocess, time',
      'signal.signal(signal.SIGTERM, signal.SIG_IGN)',
      'sleeper = subprocess.Popen(["sleep", "300"])',
      'print("grandchild", sleeper.pid, flush=True)',
      'time.sleep(300)',
    ].join('\n')
    const leader = [
      'import os, signal, subprocess, sys',
      'signal.signal(signal.SIGTERM, signal.SIG_IGN)',
      `worker = subprocess.Popen([sys.executable, "-c", ${JSON.stringify(worker)}])`,
      'print("leader", os.getpid(), "worker", worker.pid, flush=True)',
      'worker.wait()',
    ].join('\n')
    const { run } = await startRun({
      commandLine: joinCommandLine([python!, '-c', leader]),
      cwd: workDir,
      mode: 'mock',
    })
    const output = watchOutput(served, run.id)
    await output.waitFor(/grandchild \d+/)
    await output.waitFor(/worker \d+/)
    const pids = pidsIn(output.text(), ['leader', 'worker', 'grandchild'])
    expect(pids.every(isProcessRunning)).toBe(true)

    const stoppedAt = Date.now()
    expect((await api(served, `/api/runs/${run.id}/stop`, { method: 'POST' })).status).toBe(202)
    const ended = await output.ended
    await waitUntilEnded(pids)
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(2900)
    expect(ended.state).toBe('stopped')
    expect(ended.signal).toBe('SIGKILL')
    expect(ended.output).toContain('sent SIGKILL')
  })

  it('ends a run whose process left the group', async () => {
    // setsid moves the sleep out of the process group, so no signal to the
    // group reaches it, and it keeps the output pipes open.
    const { run } = await startRun({
      commandLine: `sh -c 'setsid sleep 300 & echo "escaped $!"; wait'`,
      cwd: workDir,
      mode: 'mock',
    })
    const output = watchOutput(served, run.id)
    const [escaped] = pidsIn((await output.waitFor(/escaped \d+/))[0], ['escaped'])
    try {
      expect((await api(served, `/api/runs/${run.id}/stop`, { method: 'POST' })).status).toBe(202)
      const ended = await output.ended
      expect(ended.state).toBe('stopped')
      expect(isProcessRunning(escaped!)).toBe(true)
    } finally {
      process.kill(escaped!, 'SIGKILL')
    }
  })

  it('stops running commands when the core stops', async () => {
    const dataDir = makeDataDir()
    const own = await startTestCore(dataDir)
    const { run } = await startRun(
      {
        commandLine: `sh -c 'sleep 300 & echo "job $!"; echo "shell $$"; wait'`,
        cwd: workDir,
        mode: 'mock',
      },
      own,
    )
    const output = watchOutput(own, run.id)
    await output.waitFor(/shell \d+/)
    await output.waitFor(/job \d+/)
    const pids = pidsIn(output.text(), ['shell', 'job'])

    await own.stop()
    await waitUntilEnded(pids)
    const reopened = await startTestCore(dataDir)
    try {
      const stored = (await (await api(reopened, `/api/runs/${run.id}`)).json()) as RunJson
      expect(stored.state).toBe('stopped')
      expect(stored.endedAt).not.toBeNull()
    } finally {
      await reopened.stop()
      removeDir(dataDir)
    }
  })
})

/**
 * Runs `loupe serve --host 0.0.0.0` inside a new network namespace that has
 * only its own loopback interface, so the test binds a non-loopback address
 * without exposing anything. Needs unprivileged user namespaces (unshare -rn).
 */
function unshareWorks(): boolean {
  if (process.platform !== 'linux') return false
  return spawnSync('unshare', ['-rn', 'sh', '-c', 'ip link set lo up']).status === 0
}

describe.skipIf(!unshareWorks())('a core bound to a non-loopback address', () => {
  it('rejects starting commands', async () => {
    const dataDir = makeDataDir()
    const marker = join(workDir, 'started-on-any-address')
    // Runs inside the namespace: serve on 0.0.0.0, then ask it to start a command.
    const script = `
      const { spawn } = require('child_process')
      const fs = require('fs')
      const [cli, dataDir, workDir, command] = process.argv.slice(1)
      const serve = spawn(process.execPath, [cli, 'serve', '--host', '0.0.0.0', '--data', dataDir,
        '--port', '0', '--grpc-port', '0', '--ui-port', '0'], { stdio: 'ignore' })
      const poll = setInterval(async () => {
        let discovery
        try { discovery = JSON.parse(fs.readFileSync(dataDir + '/loupe.json', 'utf8')) } catch { return }
        clearInterval(poll)
        const headers = { Authorization: 'Bearer ' + discovery.token, 'Content-Type': 'application/json' }
        const url = 'http://127.0.0.1:' + discovery.uiPort
        const start = await fetch(url + '/api/playground/runs', { method: 'POST', headers,
          body: JSON.stringify({ commandLine: command, cwd: workDir, mode: 'mock' }) })
        const info = await fetch(url + '/api/playground', { headers })
        console.log(JSON.stringify({ status: start.status, body: await start.json(), info: await info.json() }))
        serve.kill('SIGTERM')
      }, 50)`
    const child = spawn(
      'unshare',
      [
        '-rn',
        'sh',
        '-c',
        'ip link set lo up && exec "$@"',
        'sh',
        process.execPath,
        '-e',
        script,
        join(repoRoot, 'bin/loupe.js'),
        dataDir,
        workDir,
        nodeCommand('require("fs").writeFileSync(process.argv[1], "")', marker),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    removeDir(dataDir)
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const result = JSON.parse(stdout) as {
      status: number
      body: { error: string }
      info: PlaygroundInfo
    }
    expect(result.status).toBe(403)
    expect(result.body.error).toMatch(
      /Starting commands is disabled because Loupe listens on 0\.0\.0\.0/,
    )
    expect(result.info.enabled).toBe(false)
    expect(result.info.disabledReason).toBe(result.body.error)
    expect(existsSync(marker)).toBe(false)
  })
})

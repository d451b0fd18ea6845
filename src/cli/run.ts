// `loupe run -- CMD ARGS...`: start an agent command with the environment
// that points it at Loupe (and, with --mock, at the mock model gateway),
// stream its output, store the run, and print what it did.

import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import pino from 'pino'
import type { ErrorClass } from '../shared/genai'
import type { ReplayJson, RunJson, RunStart } from '../shared/api'
import { startCore } from '../core/core'
import { readDiscovery, type Discovery } from '../core/discovery'
import { commandEnvironment } from '../core/runner/environment'
import { CliError } from './folder'
import { humanLogStream } from './log-stream'
import type { ScenarioFile } from './scenario-file'
import { formatDuration } from './format'

export interface RunOptions {
  dataDir: string
  mock: boolean
  /** Forward the agent's model calls to the real provider and record them. */
  record: boolean
  /** The scenario that scripts the mock's replies, or null for the automatic mock. */
  scenario: ScenarioFile | null
  failOn: ErrorClass[]
  json: boolean
  /** The recording to replay (`loupe replay`), or null. */
  replay?: ReplayRequest | null
}

/** A replay as the run API takes it: a run or trace id, or a cassette sent whole. */
export interface ReplayRequest {
  source: string
  cassette?: unknown
  until: string | null
  then: 'fail' | 'mock' | 'live'
  /** Changes to recorded replies, for a fork. */
  edits?: { spanId: string; text?: string | null; toolCalls?: unknown[] }[]
}

/** Run the command; resolves with the exit code `loupe run` should end with. */
export async function runCommand(command: string[], options: RunOptions): Promise<number> {
  if (command.length === 0)
    throw new CliError(
      'no command to run; put it after --, e.g. loupe run --mock -- python agent.py',
    )
  return withCore(options.dataDir, (core, ownCore) => runWithCore(core, command, options, ownCore))
}

/** Calls `use` with the core serving the folder, or with one started for the call when none runs. */
export async function withCore<T>(
  dataDir: string,
  use: (core: Discovery, ownCore: boolean) => Promise<T>,
): Promise<T> {
  const running = readDiscovery(dataDir)
  if (running) return use(running, false)
  const ownCore = await startCore({
    dataDir,
    logger: pino({ name: 'loupe', level: 'warn' }, humanLogStream(process.stderr)),
  })
  try {
    return await use(ownCore.discovery, true)
  } finally {
    await ownCore.stop()
  }
}

export async function api<T>(core: Discovery, path: string, init: RequestInit = {}): Promise<T> {
  let response: Response
  try {
    response = await fetch(`${core.uiUrl}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${core.token}`, 'Content-Type': 'application/json' },
    })
  } catch (error) {
    // For example a core that is stopping: its discovery file is still there, its port is not.
    throw new CliError(
      `cannot reach the Loupe core at ${core.uiUrl} (pid ${core.pid}): ${(error as Error).message}`,
    )
  }
  const text = await response.text()
  if (!response.ok) {
    let message = text
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text
    } catch {
      // Not JSON: the text itself is the message.
    }
    throw new CliError(
      message.startsWith('Loupe') ? message : `${message} (HTTP ${response.status} for ${path})`,
    )
  }
  return JSON.parse(text) as T
}

async function runWithCore(
  core: Discovery,
  command: string[],
  options: RunOptions,
  ownCore: boolean,
): Promise<number> {
  let mode: 'mock' | 'record' | 'live' | 'replay' = 'live'
  if (options.replay) mode = 'replay'
  else if (options.mock) mode = 'mock'
  else if (options.record) mode = 'record'
  const start = await api<RunStart>(core, '/api/runs', {
    method: 'POST',
    body: JSON.stringify({
      command,
      cwd: process.cwd(),
      // A replay run is a mock run whose gateway serves the cassette first.
      mode: mode === 'replay' ? 'mock' : mode,
      scenario: options.scenario && { name: options.scenario.name, text: options.scenario.text },
      // The gateway forwards a record run's calls with this shell's provider settings.
      upstream:
        mode === 'record' || options.replay?.then === 'live'
          ? upstreamSettings(process.env)
          : undefined,
      replay: options.replay ?? undefined,
    }),
  })
  const env = commandEnvironment(process.env, start.env, mode)
  const against = {
    mock: ' against the mock model',
    record: ', recording its model calls',
    live: '',
    replay: `, replaying ${options.replay?.source ?? ''}`,
  }
  process.stderr.write(
    `loupe: run ${start.runId} started${against[mode]}${options.scenario ? ` (scenario ${options.scenario.name})` : ''}\n`,
  )
  const started = Date.now()
  // With --json, standard output carries only the run's JSON, so the agent's goes to standard error.
  const result = await spawnAndStream(command, env, options.json ? process.stderr : process.stdout)
  const { exitCode, output } = result
  const run = await api<RunJson>(core, `/api/runs/${start.runId}/finish`, {
    method: 'POST',
    body: JSON.stringify({
      exitCode,
      output: result.startError ?? output,
      signal: result.signal,
      stopped: result.stopped,
      startError: result.startError,
    }),
  })
  if (result.startError) {
    // With --json, a script still gets the run, stored as failed, on standard output.
    if (options.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`)
    throw new CliError(result.startError)
  }
  const summary = await api<RunJson>(core, `/api/runs/${run.id}?wait=1`)
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
  else {
    // A core started for this run stops with it, so point at the CLI instead of its UI.
    const where = ownCore
      ? (traceId: string) => `loupe show ${traceId} --data ${options.dataDir}`
      : (traceId: string) => `${core.uiUrl}/#/trace/${traceId}`
    process.stderr.write(`${formatRunSummary(summary, Date.now() - started, where)}\n`)
  }
  const divergence = summary.replay?.divergence
  if (divergence && summary.replay?.then === 'fail') {
    process.stderr.write(
      `loupe: the replay diverged at model call ${divergence.callIndex}: ${divergence.reasons.join('; ')}\n`,
    )
    return exitCode === 0 ? 1 : shellStatus(exitCode, result.signal)
  }
  if (exitCode !== 0) return shellStatus(exitCode, result.signal)
  const matched = summary.errorClasses.filter((c) => options.failOn.includes(c))
  if (matched.length > 0) {
    process.stderr.write(
      `loupe: failing because the run ended with ${matched.join(', ')} (--fail-on)\n`,
    )
    return 1
  }
  return 0
}

/** Reads the provider base URLs and keys of the environment, for a record run. */
function upstreamSettings(
  env: NodeJS.ProcessEnv,
): Record<string, { baseUrl?: string; apiKey?: string }> {
  const settings: Record<string, { baseUrl?: string; apiKey?: string }> = {}
  for (const [provider, prefix] of [
    ['openai', 'OPENAI'],
    ['anthropic', 'ANTHROPIC'],
  ] as const) {
    const baseUrl = env[`${prefix}_BASE_URL`] || undefined
    const apiKey = env[`${prefix}_API_KEY`] || undefined
    if (baseUrl !== undefined || apiKey !== undefined) settings[provider] = { baseUrl, apiKey }
  }
  return settings
}

/** Characters of output a run keeps, as the core does. */
const MAX_KEPT_OUTPUT = 1_000_000
/** Time the run waits, once the command has exited, for processes that still hold its output. */
const OUTPUT_GRACE_MS = 1_000
/** Time between the signals that stop a command on Ctrl-C: SIGINT, then SIGTERM, then SIGKILL. */
const STOP_STEP_MS = 3_000

interface CommandResult {
  exitCode: number | null
  signal: string | null
  /** True when Loupe stopped the command because it got SIGINT or SIGTERM itself. */
  stopped: boolean
  output: string
  /** Reason the command could not be started, when it could not. */
  startError?: string
}

/**
 * Runs the command in a process group of its own and streams its output:
 * the command's standard output goes to `stdout`, its standard error to
 * this process's. The run ends when the command exits (background
 * processes it leaves may keep running). Ctrl-C stops the whole group,
 * escalating to SIGTERM and then SIGKILL for processes that ignore it.
 */
function spawnAndStream(
  command: string[],
  env: NodeJS.ProcessEnv,
  stdout: NodeJS.WritableStream,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), {
      env,
      stdio: ['inherit', 'pipe', 'pipe'],
      detached: true,
    })
    const chunks: string[] = []
    // The run keeps the first MAX_KEPT_OUTPUT characters; the terminal still gets everything.
    let kept = 0
    let total = 0
    const keep = (text: string) => {
      total += text.length
      if (kept >= MAX_KEPT_OUTPUT) return
      const piece = text.slice(0, MAX_KEPT_OUTPUT - kept)
      kept += piece.length
      chunks.push(piece)
    }
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout.write(chunk)
      keep(chunk.toString('utf8'))
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk)
      keep(chunk.toString('utf8'))
    })
    const timers: NodeJS.Timeout[] = []
    let stopped = false
    let done = false
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal)
      } catch {
        // The group is already gone.
      }
    }
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopped) {
        // A second Ctrl-C: stop at once.
        signalGroup('SIGKILL')
        return
      }
      stopped = true
      signalGroup(signal)
      timers.push(setTimeout(() => signalGroup('SIGTERM'), STOP_STEP_MS).unref())
      timers.push(setTimeout(() => signalGroup('SIGKILL'), 2 * STOP_STEP_MS).unref())
    }
    const onSigint = () => onSignal('SIGINT')
    const onSigterm = () => onSignal('SIGTERM')
    process.on('SIGINT', onSigint)
    process.on('SIGTERM', onSigterm)
    const finish = (result: Omit<CommandResult, 'output' | 'stopped'>) => {
      if (done) return
      done = true
      for (const timer of timers) clearTimeout(timer)
      process.off('SIGINT', onSigint)
      process.off('SIGTERM', onSigterm)
      // Processes left in the group may still hold the pipes; the run does not wait for them.
      child.stdout!.destroy()
      child.stderr!.destroy()
      if (total > kept) chunks.push(`\n[output cut at ${kept} characters of ${total}]`)
      if (result.signal) chunks.push(`\n[stopped by ${result.signal}]\n`)
      resolve({ ...result, stopped, output: chunks.join('') })
    }
    child.on('error', (error) => {
      finish({
        exitCode: null,
        signal: null,
        startError: `cannot start ${command[0]}: ${error.message}`,
      })
    })
    child.on('exit', (code, signal) => {
      // Give the output a moment to drain, unless the pipes close first. After a stop,
      // whatever is left of the group by then is killed.
      const grace = setTimeout(() => {
        if (stopped) signalGroup('SIGKILL')
        finish({ exitCode: code, signal })
      }, OUTPUT_GRACE_MS)
      grace.unref()
      timers.push(grace)
      child.once('close', () => finish({ exitCode: code, signal }))
    })
  })
}

export function formatRunSummary(
  run: RunJson,
  elapsedMs: number,
  where: (traceId: string) => string,
): string {
  return [
    `loupe: run ${run.id} ${describeEnding(run)} after ${formatDuration(elapsedMs)}`,
    `  traces: ${run.traceIds.length}, model calls: ${run.modelCalls}, tool calls: ${run.toolCalls}`,
    `  tokens: ${run.inputTokens} in / ${run.outputTokens} out, cost: ${describeCost(run)}`,
    `  error class: ${run.errorClass}${run.errorClasses.length > 1 ? ` (all: ${run.errorClasses.join(', ')})` : ''}`,
    ...(run.replay ? [`  ${formatReplay(run.replay)}`] : []),
    ...run.traceIds.map((traceId) => `  trace: ${where(traceId)}`),
  ].join('\n')
}

/** Describes the run's cost. A run without model calls has no cost to price. */
function describeCost(run: RunJson): string {
  if (run.costUsd !== null) return `$${run.costUsd.toFixed(6)}`
  return run.modelCalls === 0 ? 'none (no model calls)' : 'unpriced'
}

/**
 * Returns the status a shell reports for a command: its exit code, or 128
 * plus the number of the signal that ended it (130 for SIGINT), or 1 when
 * neither is known.
 */
export function shellStatus(exitCode: number | null, signal: string | null): number {
  if (exitCode !== null) return exitCode
  const number = signal === null ? undefined : constants.signals[signal as NodeJS.Signals]
  return number === undefined ? 1 : 128 + number
}

/** Describes how the run's command ended: its exit code, or the signal that ended it. */
function describeEnding(run: RunJson): string {
  if (run.exitCode !== null) return `exited with code ${run.exitCode}`
  if (run.signal) return `was ended by ${run.signal}`
  return 'ended without an exit code'
}

function formatReplay(replay: ReplayJson): string {
  const fork =
    replay.editedSpanIds.length > 0
      ? ` (a fork with ${replay.editedSpanIds.length} edited replies)`
      : ''
  const served = `replay: served ${replay.served} of ${replay.recordedCalls} recorded calls from ${replay.source}${fork}`
  if (!replay.divergence) return served
  return `${served}; diverged at model call ${replay.divergence.callIndex}, then ${replay.then === 'mock' ? 'the mock answered' : 'failed'}`
}

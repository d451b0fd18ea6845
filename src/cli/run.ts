// `loupe run -- CMD ARGS...`: start an agent command with the environment
// that points it at Loupe (and, with --mock, at the mock model gateway),
// stream its output, store the run, and print what it did.

import { spawn } from 'node:child_process'
import pino from 'pino'
import type { ErrorClass } from '../shared/genai'
import type { RunJson, RunStart } from '../shared/api'
import { startCore, type Core } from '../core/core'
import { readDiscovery, type Discovery } from '../core/discovery'
import { commandEnvironment } from '../core/runner/environment'
import { CliError } from './folder'
import type { ScenarioFile } from './scenario-file'
import { formatDuration } from './format'

export interface RunOptions {
  dataDir: string
  mock: boolean
  /** Forward the agent's model calls to the real provider and record them. */
  record: boolean
  /** The scenario that scripts the mock's answers, or null for the automatic mock. */
  scenario: ScenarioFile | null
  failOn: ErrorClass[]
  json: boolean
}

/** Run the command; resolves with the exit code `loupe run` should end with. */
export async function runCommand(command: string[], options: RunOptions): Promise<number> {
  if (command.length === 0)
    throw new CliError(
      'no command to run; put it after --, e.g. loupe run --mock -- python agent.py',
    )
  let ownCore: Core | null = null
  let core: Discovery | null = readDiscovery(options.dataDir)
  if (!core) {
    // No Loupe serves this folder: start one for the duration of the run.
    ownCore = await startCore({
      dataDir: options.dataDir,
      logger: pino({ level: 'warn' }, pino.destination(2)),
    })
    core = ownCore.discovery
  }
  try {
    return await runWithCore(core, command, options, ownCore !== null)
  } finally {
    await ownCore?.stop()
  }
}

async function api<T>(core: Discovery, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${core.uiUrl}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${core.token}`, 'Content-Type': 'application/json' },
  })
  const text = await response.text()
  if (!response.ok)
    throw new CliError(`Loupe returned HTTP ${response.status} for ${path}: ${text}`)
  return JSON.parse(text) as T
}

async function runWithCore(
  core: Discovery,
  command: string[],
  options: RunOptions,
  ownCore: boolean,
): Promise<number> {
  const mode = options.mock ? 'mock' : options.record ? 'record' : 'live'
  const start = await api<RunStart>(core, '/api/runs', {
    method: 'POST',
    body: JSON.stringify({
      command,
      cwd: process.cwd(),
      mode,
      scenario: options.scenario && { name: options.scenario.name, text: options.scenario.text },
      // The gateway forwards a record run's calls with this shell's provider settings.
      upstream: mode === 'record' ? upstreamSettings(process.env) : undefined,
    }),
  })
  const env = commandEnvironment(process.env, start.env, mode)
  const against = {
    mock: ' against the mock model',
    record: ', recording its model calls',
    live: '',
  }
  process.stderr.write(
    `loupe: run ${start.runId} started${against[mode]}${options.scenario ? ` (scenario ${options.scenario.name})` : ''}\n`,
  )
  const started = Date.now()
  const { exitCode, output } = await spawnAndStream(command, env)
  const run = await api<RunJson>(core, `/api/runs/${start.runId}/finish`, {
    method: 'POST',
    body: JSON.stringify({ exitCode, output }),
  })
  const summary = await api<RunJson>(core, `/api/runs/${run.id}?wait=1`)
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
  else {
    // A core started for this run stops with it, so point at the CLI instead of its UI.
    const where = ownCore
      ? (traceId: string) => `loupe show ${traceId} --data ${options.dataDir}`
      : (traceId: string) => `${core.uiUrl}/#/trace/${traceId}`
    process.stderr.write(`${formatRunSummary(summary, Date.now() - started, where)}\n`)
  }
  if (exitCode !== 0) return exitCode ?? 1
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

function spawnAndStream(
  command: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // A process group of its own, so that stopping the run stops its children too.
    const child = spawn(command[0]!, command.slice(1), {
      env,
      stdio: ['inherit', 'pipe', 'pipe'],
      detached: true,
    })
    const chunks: string[] = []
    child.stdout!.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk)
      chunks.push(chunk.toString('utf8'))
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk)
      chunks.push(chunk.toString('utf8'))
    })
    const stop = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal)
      } catch {
        // The group is already gone.
      }
    }
    const onSigint = () => stop('SIGINT')
    const onSigterm = () => stop('SIGTERM')
    process.on('SIGINT', onSigint)
    process.on('SIGTERM', onSigterm)
    child.on('error', (error) => {
      process.off('SIGINT', onSigint)
      process.off('SIGTERM', onSigterm)
      reject(new CliError(`cannot start ${command[0]}: ${error.message}`))
    })
    child.on('close', (code, signal) => {
      process.off('SIGINT', onSigint)
      process.off('SIGTERM', onSigterm)
      if (signal) chunks.push(`\n[stopped by ${signal}]\n`)
      resolve({ exitCode: code, output: chunks.join('') })
    })
  })
}

export function formatRunSummary(
  run: RunJson,
  elapsedMs: number,
  where: (traceId: string) => string,
): string {
  const cost = run.costUsd === null ? 'unpriced' : `$${run.costUsd.toFixed(6)}`
  return [
    `loupe: run ${run.id} exited with code ${run.exitCode ?? 'unknown'} after ${formatDuration(elapsedMs)}`,
    `  traces: ${run.traceIds.length}, model calls: ${run.modelCalls}, tool calls: ${run.toolCalls}`,
    `  tokens: ${run.inputTokens} in / ${run.outputTokens} out, cost: ${cost}`,
    `  error class: ${run.errorClass}${run.errorClasses.length > 1 ? ` (all: ${run.errorClasses.join(', ')})` : ''}`,
    ...run.traceIds.map((traceId) => `  trace: ${where(traceId)}`),
  ].join('\n')
}

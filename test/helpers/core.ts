// Start a real core on a fresh data folder and free ports, as the tests need.

import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import pino from 'pino'
import { startCore, type Core, type CoreOptions } from '../../src/core/core'
import type { AlertsOverview } from '../../src/shared/alerts'

const execFileAsync = promisify(execFile)

export const repoRoot = resolve(import.meta.dirname, '../..')
export const fixturesDir = join(repoRoot, 'test/fixtures')

export interface TestCore {
  core: Core
  dataDir: string
  otlpHttpUrl: string
  grpcAddress: string
  uiUrl: string
  stop(): Promise<void>
}

export function makeDataDir(prefix = 'loupe-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** Starts a core on free ports; `options` adds core options such as limits. */
export async function startTestCore(
  dataDir = makeDataDir(),
  options: Partial<CoreOptions> = {},
): Promise<TestCore> {
  const core = await startCore({
    dataDir,
    otlpHttpPort: 0,
    otlpGrpcPort: 0,
    uiPort: 0,
    logger: pino({ level: 'silent' }),
    ...options,
  })
  const status = core.status()
  return {
    core,
    dataDir,
    otlpHttpUrl: status.otlpHttpUrl!,
    grpcAddress: status.otlpGrpcUrl!.replace('http://', ''),
    uiUrl: status.uiUrl,
    stop: async () => {
      await core.stop()
    },
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

export interface CliResult {
  stdout: string
  stderr: string
  code: number
}

/** Run the built `loupe` command (npm run build must have run). */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [join(repoRoot, 'bin/loupe.js'), ...args],
      {
        env: { ...process.env, ...env },
        maxBuffer: 512 * 1024 * 1024,
      },
    )
    return { stdout, stderr, code: 0 }
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number }
    return { stdout: e.stdout, stderr: e.stderr, code: e.code }
  }
}

export async function cliJson<T>(args: string[]): Promise<T> {
  const result = await runCli(args)
  if (result.code !== 0)
    throw new Error(`loupe ${args.join(' ')} failed (${result.code}): ${result.stderr}`)
  return JSON.parse(result.stdout) as T
}

/** POST a body to an OTLP/HTTP path and return status, headers and body. */
export async function postOtlp(
  baseUrl: string,
  path: string,
  body: Buffer | string,
  headers: Record<string, string>,
): Promise<{ status: number; contentType: string | null; body: Buffer }> {
  const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body })
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: Buffer.from(await response.arrayBuffer()),
  }
}

/** Calls the core's API with its token; returns the status and the parsed JSON body. */
export async function apiJson<T>(
  loupe: TestCore,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${loupe.uiUrl}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${loupe.core.discovery.token}`,
      'Content-Type': 'application/json',
    },
  })
  return { status: response.status, body: (await response.json()) as T }
}

/**
 * Returns this process's environment without OTel, Logfire and provider
 * settings, as a fresh shell has, plus `extra`. The removed settings are
 * set to undefined, so that they stay removed when merged over
 * process.env (as runCli does); child processes do not get undefined values.
 */
export function agentEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(env)) {
    if (/^(OTEL_|LOGFIRE_|OPENAI_|ANTHROPIC_)/.test(key)) env[key] = undefined
  }
  return { ...env, ...extra }
}

/**
 * Waits until the core's alert service has made its first evaluation, which
 * it schedules shortly after start. Tests that seed runs and then evaluate
 * call this first, so that the scheduled evaluation cannot land halfway
 * through their seeding.
 */
export async function waitForFirstAlertEvaluation(loupe: TestCore): Promise<void> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const { body } = await apiJson<AlertsOverview>(loupe, '/api/alerts')
    if (body.rules.length > 0 && body.rules.every((view) => view.status.lastEvaluated !== null))
      return
    if (Date.now() > deadline) throw new Error('the first alert evaluation did not happen in 20 s')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

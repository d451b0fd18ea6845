// The playground's side of the API: checks a request to start a command,
// starts it through the launcher, and remembers the last command line, mode
// and scenario per working folder. Starting commands is only allowed while
// the core listens on loopback, because anyone who can reach the API with
// the token could otherwise run programs on this machine from elsewhere.

import type Database from 'better-sqlite3'
import { z } from 'zod'
import type {
  PlaygroundInfo,
  PlaygroundMode,
  PlaygroundRunRequest,
  PlaygroundSettings,
} from '../../shared/api'
import type { GatewayMode } from '../gateway/types'
import { CassetteError, replyEditSchema } from '../replay/cassette'
import { CommandLineError, splitCommandLine } from './command-line'
import { LaunchError, type ReplayRequest, type ReplayStart, type RunLauncher } from './launcher'

/** A response for the API server to send. */
export interface ApiResult {
  status: number
  body: unknown
}

const MAX_RECENT_FOLDERS = 20
/** The name that a playground scenario has in runs and in error messages. */
const SCENARIO_NAME = 'playground scenario'
const MAX_SCENARIO_CHARS = 1_000_000

const replaySchema = z.object({
  source: z.string().min(1, 'name the run (run_...) or trace (32 hex digits) to replay').max(200),
  until: z.string().min(1).max(200).nullable().optional(),
  then: z.enum(['fail', 'mock', 'live']),
  edits: z.array(replyEditSchema).optional(),
})

const runRequestSchema = z.object({
  commandLine: z.string().max(100_000),
  cwd: z.string().min(1, 'enter a working folder').max(4096),
  mode: z.enum(['mock', 'scenario', 'live', 'record']),
  scenario: z.string().max(MAX_SCENARIO_CHARS).nullable().optional(),
  replay: replaySchema.nullable().optional(),
})

const GATEWAY_MODES: Record<PlaygroundMode, GatewayMode> = {
  mock: 'mock',
  scenario: 'mock',
  live: 'live',
  record: 'record',
}

export interface PlaygroundOptions {
  db: Database.Database
  launcher: RunLauncher
  /** The address the core is bound to. */
  host: string
}

export class Playground {
  private readonly disabledReason: string | null

  constructor(private readonly options: PlaygroundOptions) {
    this.disabledReason = isLoopbackHost(options.host)
      ? null
      : `Starting commands is disabled because Loupe listens on ${options.host}, which other ` +
        'machines may reach. Restart `loupe serve` without --host (or with --host 127.0.0.1) ' +
        'to use the playground.'
  }

  info(): PlaygroundInfo {
    return {
      enabled: this.disabledReason === null,
      disabledReason: this.disabledReason,
      recent: listSettings(this.options.db),
      running: this.options.launcher.running(),
    }
  }

  /**
   * Handles `POST /api/playground/runs`: 201 with the started run, 400/403
   * with the reason, or 422 with the problems of a replay source that cannot
   * be replayed. `replayStart` builds a replay's cassette as the run API does.
   */
  async start(
    body: unknown,
    replayStart: (request: ReplayRequest) => Promise<ReplayStart>,
  ): Promise<ApiResult> {
    if (this.disabledReason !== null) return failure(403, this.disabledReason)
    const parsed = runRequestSchema.safeParse(body)
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`,
      )
      return failure(400, `invalid playground run: ${problems.join('; ')}`)
    }
    const request: PlaygroundRunRequest = parsed.data
    let command: string[]
    try {
      command = splitCommandLine(request.commandLine)
    } catch (error) {
      if (error instanceof CommandLineError)
        return failure(400, `invalid command line: ${error.message}`)
      throw error
    }
    const scenario = request.scenario ?? null
    if (request.mode === 'scenario' && (scenario === null || scenario.trim() === ''))
      return failure(400, 'scenario mode needs a scenario; write one in the scenario editor')
    const replayRequest = request.replay ?? null
    if (replayRequest !== null && request.mode !== 'mock') {
      return failure(
        400,
        `invalid playground run: a replay run gets its model replies from the recording and then ` +
          `from replay.then, so mode must be mock, not ${request.mode}`,
      )
    }
    try {
      const replay = replayRequest === null ? undefined : await replayStart(replayRequest)
      const run = await this.options.launcher.launch({
        command,
        cwd: request.cwd,
        mode: GATEWAY_MODES[request.mode],
        scenario:
          request.mode === 'scenario' && scenario !== null
            ? { name: SCENARIO_NAME, text: scenario }
            : null,
        replay,
      })
      // A replay is no mode of its own, so the folder keeps the settings of its last ordinary run.
      if (replay === undefined)
        saveSettings(this.options.db, { ...request, cwd: run.cwd, scenario })
      return { status: 201, body: run }
    } catch (error) {
      if (error instanceof CassetteError)
        return { status: 422, body: { error: error.message, problems: error.problems } }
      if (error instanceof LaunchError) {
        const body: { error: string; problems?: string[]; runId?: string } = {
          error: error.message,
        }
        if (error.problems.length > 0) body.problems = error.problems
        if (error.runId !== null) body.runId = error.runId
        return { status: error.status, body }
      }
      throw error
    }
  }

  /** Handles `POST /api/runs/:id/stop`. */
  stop(runId: string, runExists: boolean): ApiResult {
    if (this.options.launcher.stop(runId)) return { status: 202, body: { runId, stopping: true } }
    if (!runExists) return failure(404, `run ${runId} not found`)
    return failure(
      409,
      `run ${runId} is not running in this Loupe: it has ended, or \`loupe run\` started it ` +
        '(stop that one with Ctrl+C in its terminal)',
    )
  }
}

/**
 * True for names and addresses that only this machine reaches: localhost,
 * 127.0.0.0/8 and ::1 (also as IPv4-mapped IPv6). 0.0.0.0 and :: listen on
 * every interface, so they are not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
  if (name === 'localhost' || name.endsWith('.localhost')) return true
  if (name === '::1' || name === '0:0:0:0:0:0:0:1') return true
  const ipv4 = name.replace(/^::ffff:/, '')
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ipv4)
}

function failure(status: number, error: string): ApiResult {
  return { status, body: { error } }
}

interface SettingsRow {
  cwd: string
  command_line: string
  mode: PlaygroundMode
  scenario: string | null
  updated_ms: number
}

function listSettings(db: Database.Database): PlaygroundSettings[] {
  const rows = db
    .prepare('SELECT * FROM playground_settings ORDER BY updated_ms DESC LIMIT ?')
    .all(MAX_RECENT_FOLDERS) as SettingsRow[]
  return rows.map((row) => ({
    cwd: row.cwd,
    commandLine: row.command_line,
    mode: row.mode,
    scenario: row.scenario,
    updatedAt: new Date(row.updated_ms).toISOString(),
  }))
}

function saveSettings(
  db: Database.Database,
  settings: Omit<PlaygroundSettings, 'updatedAt' | 'scenario'> & { scenario: string | null },
): void {
  db.prepare(
    `INSERT INTO playground_settings (cwd, command_line, mode, scenario, updated_ms)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (cwd) DO UPDATE SET
       command_line = excluded.command_line,
       mode = excluded.mode,
       scenario = coalesce(excluded.scenario, playground_settings.scenario),
       updated_ms = excluded.updated_ms`,
  ).run(settings.cwd, settings.commandLine, settings.mode, settings.scenario, Date.now())
}

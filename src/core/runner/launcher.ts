// Starting a run's command from the core (the playground), streaming its
// output live, and stopping it with everything it started.
//
// Each command gets a process group of its own. Stopping a run sends SIGTERM
// to the whole group, then SIGKILL to whatever is left after a grace period,
// so that children and grandchildren (worker processes, a shell's jobs) end
// too. The run ends when the command and every process that still keeps its
// output pipes open have exited, as with `loupe run`.

import { spawn, type ChildProcess } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import type { Logger } from 'pino'
import type { RunJson, RunOutputEvent, RunStart } from '../../shared/api'
import { ScenarioError } from '../gateway/scenario'
import type { GatewayMode } from '../gateway/types'
import { UpstreamConfigError } from '../gateway/upstream'
import { commandEnvironment } from './environment'
import type { ReplyEdit } from '../replay/cassette'
import { MAX_OUTPUT_CHARS, type RunService } from './service'

/** Time between SIGTERM and SIGKILL when a run is stopped. */
export const DEFAULT_STOP_GRACE_MS = 3000
/**
 * Time after SIGKILL before the run is finished even though its output pipes
 * are still open, which only a process that left the group (setsid) can cause.
 */
const PIPE_CLOSE_TIMEOUT_MS = 2000

export interface LaunchRequest {
  command: string[]
  cwd: string
  mode: GatewayMode
  /** A scenario's name and text, for a mock run. */
  scenario: { name: string; text: string } | null
  /** The cassette to serve and how, for a replay run (whose gateway mode is 'mock'). */
  replay?: ReplayStart
}

/** The replay that RunService.start takes: a cassette, its source, `until` and `then`. */
export type ReplayStart = NonNullable<Parameters<RunService['start']>[0]['replay']>

/** A replay as the run and playground APIs take it: a run or trace id, or a cassette sent whole. */
export interface ReplayRequest {
  source: string
  cassette?: unknown
  until?: string | null
  then: 'fail' | 'mock' | 'live'
  /** Changes to recorded replies, for a fork. */
  edits?: ReplyEdit[]
}

/**
 * A command that could not be started; `status` is the HTTP status the API
 * returns, and `problems` lists each mistake of an invalid scenario.
 */
export class LaunchError extends Error {
  override name = 'LaunchError'

  constructor(
    message: string,
    readonly status: 400 | 404,
    readonly problems: string[] = [],
    /** The run stored as failed when the command could not start, else null. */
    readonly runId: string | null = null,
  ) {
    super(message)
  }
}

export interface RunLauncherOptions {
  runs: RunService
  log: Logger
  /** Environment that commands start from; the core's own by default. */
  env?: NodeJS.ProcessEnv
  stopGraceMs?: number
}

type OutputListener = (event: RunOutputEvent) => void

interface LaunchedRun {
  runId: string
  child: ChildProcess
  /** The kept start of the output, at most MAX_OUTPUT_CHARS in all. */
  chunks: string[]
  keptChars: number
  totalChars: number
  listeners: Set<OutputListener>
  stopRequested: boolean
  /** True once the process and its pipes have closed, while the run is being stored. */
  ended: boolean
  timers: NodeJS.Timeout[]
  /** Resolves once the run is finished and stored. */
  finished: Promise<void>
}

export class RunLauncher {
  private readonly launched = new Map<string, LaunchedRun>()
  private readonly log: Logger
  private readonly stopGraceMs: number

  constructor(private readonly options: RunLauncherOptions) {
    this.log = options.log.child({ component: 'launcher' })
    this.stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS
  }

  /** Creates a run and starts its command; resolves once the process has started. */
  async launch(request: LaunchRequest): Promise<RunJson> {
    const program = request.command[0]
    if (program === undefined || program === '')
      throw new LaunchError('the command line is empty; enter a program to run', 400)
    const cwd = await checkWorkingFolder(request.cwd)
    const start = startRun(this.options.runs, { ...request, cwd })
    const env = commandEnvironment(this.options.env ?? process.env, start.env, request.mode)
    const child = spawn(program, request.command.slice(1), {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    try {
      await spawned(child)
    } catch (error) {
      const message = `could not start ${program}: ${(error as Error).message}`
      this.log.warn({ runId: start.runId, err: error }, 'run command failed to start')
      await this.options.runs.finish(
        start.runId,
        { exitCode: null, startError: (error as Error).message },
        `${message}\n`,
      )
      throw new LaunchError(`${message} (run ${start.runId})`, 400, [], start.runId)
    }
    this.track(start.runId, child)
    this.log.info(
      {
        runId: start.runId,
        pid: child.pid,
        cwd,
        mode: request.mode,
        replay: request.replay?.source,
      },
      'run started',
    )
    return this.options.runs.get(start.runId)!
  }

  /**
   * Stops a run: SIGTERM to its process group, then SIGKILL to what is left
   * after the grace period. Returns false when the run is not one this
   * launcher started or has already ended.
   */
  stop(runId: string): boolean {
    const run = this.launched.get(runId)
    if (run === undefined) return false
    if (run.stopRequested || run.ended) return true
    run.stopRequested = true
    this.log.info({ runId, pid: run.child.pid }, 'stopping run')
    this.appendOutput(run, '\n[loupe: stop requested; sent SIGTERM to the process group]\n')
    signalGroup(run.child, 'SIGTERM')
    run.timers.push(setTimeout(() => this.killLeftovers(run), this.stopGraceMs))
    return true
  }

  /** Sends SIGKILL to what is left of a stopped run's process group. */
  private killLeftovers(run: LaunchedRun): void {
    // Whatever happens to the group, finish the run even if a process that
    // left the group still keeps the output pipes open.
    run.timers.push(setTimeout(() => closePipes(run.child), PIPE_CLOSE_TIMEOUT_MS))
    if (!signalGroup(run.child, 'SIGKILL')) return
    const graceSeconds = this.stopGraceMs / 1000
    this.log.info(
      { runId: run.runId },
      `processes were left ${graceSeconds} s after SIGTERM; sent SIGKILL`,
    )
    this.appendOutput(
      run,
      `[loupe: processes were left ${graceSeconds} s after SIGTERM; sent SIGKILL]\n`,
    )
  }

  /**
   * Subscribes to a running run's output. Returns the output so far, or null
   * when the run is not running here.
   */
  watch(
    runId: string,
    listener: OutputListener,
  ): { output: string; unsubscribe: () => void } | null {
    const run = this.launched.get(runId)
    if (run === undefined) return null
    run.listeners.add(listener)
    return { output: run.chunks.join(''), unsubscribe: () => run.listeners.delete(listener) }
  }

  /** Ids of the runs this launcher started that are still running. */
  running(): string[] {
    return [...this.launched.keys()]
  }

  /** Stops every running run and waits until each is stored. */
  async close(): Promise<void> {
    const runs = [...this.launched.values()]
    for (const run of runs) this.stop(run.runId)
    await Promise.all(runs.map((run) => run.finished))
  }

  private track(runId: string, child: ChildProcess): void {
    let finish: () => void = () => {}
    const run: LaunchedRun = {
      runId,
      child,
      chunks: [],
      keptChars: 0,
      totalChars: 0,
      listeners: new Set(),
      stopRequested: false,
      ended: false,
      timers: [],
      finished: new Promise((resolve) => (finish = resolve)),
    }
    this.launched.set(runId, run)
    child.on('error', (error) => this.log.error({ runId, err: error }, 'run process error'))
    for (const stream of [child.stdout!, child.stderr!]) {
      const decoder = new StringDecoder('utf8')
      stream.on('data', (chunk: Buffer) => this.appendOutput(run, decoder.write(chunk)))
      stream.on('end', () => this.appendOutput(run, decoder.end()))
    }
    child.on('close', (code, signal) => void this.onClose(run, code, signal).finally(finish))
  }

  private async onClose(
    run: LaunchedRun,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): Promise<void> {
    run.ended = true
    for (const timer of run.timers) clearTimeout(timer)
    if (signal !== null && !run.stopRequested) this.appendOutput(run, `\n[killed by ${signal}]\n`)
    const ending = { exitCode: code, signal, stopped: run.stopRequested }
    this.log.info({ runId: run.runId, ...ending }, 'run ended')
    let stored: RunJson | null = null
    try {
      stored = await this.options.runs.finish(
        run.runId,
        ending,
        run.chunks.join(''),
        run.totalChars,
      )
    } catch (error) {
      this.log.error({ runId: run.runId, err: error }, 'could not store the end of a run')
    } finally {
      // Only now, so that a stream opened while the run is stored still gets its end.
      this.launched.delete(run.runId)
    }
    const final = stored ?? this.options.runs.get(run.runId)
    if (final !== null) for (const listener of run.listeners) listener({ type: 'end', run: final })
    run.listeners.clear()
  }

  private appendOutput(run: LaunchedRun, text: string): void {
    if (text === '') return
    run.totalChars += text.length
    const room = MAX_OUTPUT_CHARS - run.keptChars
    if (room <= 0) return
    const kept = text.length > room ? text.slice(0, room) : text
    run.chunks.push(kept)
    run.keptChars += kept.length
    for (const listener of run.listeners) listener({ type: 'output', text: kept })
  }
}

/** Creates the run, turning a scenario or upstream mistake into a LaunchError. */
function startRun(runs: RunService, request: LaunchRequest): RunStart {
  try {
    return runs.start(request)
  } catch (error) {
    if (error instanceof ScenarioError) throw new LaunchError(error.message, 400, error.problems)
    if (error instanceof UpstreamConfigError) throw new LaunchError(error.message, 400)
    throw error
  }
}

/** Resolves `~` and checks that the folder exists and is a directory; returns its path. */
async function checkWorkingFolder(folder: string): Promise<string> {
  const path =
    folder === '~' ? homedir() : folder.startsWith('~/') ? join(homedir(), folder.slice(2)) : folder
  if (!isAbsolute(path))
    throw new LaunchError(
      `the working folder ${folder} is not an absolute path; enter a path such as /home/you/project`,
      400,
    )
  let stats
  try {
    stats = await stat(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`
    throw new LaunchError(`the working folder ${path} ${reason}`, 400)
  }
  if (!stats.isDirectory())
    throw new LaunchError(`the working folder ${path} is not a directory`, 400)
  return path
}

function spawned(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => {
      child.off('error', reject)
      resolve()
    })
    child.once('error', reject)
  })
}

/** Sends `signal` to the child's process group; returns false when no process of it is left. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined) return false
  // NOTE: Windows has no process groups; there only the command's own process is signalled.
  if (process.platform === 'win32') return child.kill(signal)
  try {
    process.kill(-child.pid, signal)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}

/** Closes our ends of the output pipes, so that 'close' fires even if a process outside the group keeps them open. */
function closePipes(child: ChildProcess): void {
  child.stdout?.destroy()
  child.stderr?.destroy()
}

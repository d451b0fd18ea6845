// Runs GenAI normalization and search indexing off the acknowledgement path:
// in a worker thread when the built worker script exists (so it uses the
// second core), else in the core's own thread between requests, in small
// batches. The worker thread runs only while there is work, because its V8
// heap and SQLite connection add about 20 MB to the core's RSS. It starts
// when spans wait at start, on a commit or on a restart, and stops after 30 s
// without work.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { type ResourceLimits, Worker } from 'node:worker_threads'
import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import { WORKER_YOUNG_GENERATION_MB } from '../heap-limits'
import { packageRoot } from '../package-root'
import type { BackgroundPasses } from './background'
import { PendingWork } from './pending-work'

/**
 * Messages from the worker. `idle` carries the number of the last poke the
 * worker had received when the drain that just ended began.
 */
export type WorkerMessage =
  | { type: 'changed'; traceIds: string[] }
  | { type: 'idle'; poke: number }
  | { type: 'failed'; message: string }

/** Messages to the worker; pokes are numbered from 1. */
export type RunnerMessage =
  { type: 'poke'; poke: number } | { type: 'restart'; poke: number } | { type: 'stop' }

const DEFAULT_IDLE_STOP_MS = 30_000
/**
 * Interval between checks for rows that arrived without a poke while no
 * worker runs. A running worker checks on its own every 250 ms.
 */
const PENDING_CHECK_MS = 1000
/** Time a stopping worker gets to close its connection before it is terminated. */
const STOP_TIMEOUT_MS = 2000

export interface RunnerOptions {
  db: Database.Database
  dataDir: string
  log: Logger
  onChanged: (traceIds: string[]) => void
  /** Force the in-thread mode (tests of the runner itself). */
  inline?: boolean
  /** Time without new spans after which the worker thread stops, in milliseconds (30 s by default). */
  idleStopMs?: number
}

export class NormalizationRunner {
  /** The worker script, or null in the in-thread mode. */
  private script: string | null
  private readonly pendingWork: PendingWork
  private readonly pendingCheck: NodeJS.Timeout
  private worker: Worker | null = null
  /** Exits of the workers that were sent `stop` and have not exited yet. */
  private readonly stopping = new Set<Promise<void>>()
  private lastActivityMs = 0
  private inline: Promise<BackgroundPasses> | null = null
  private restartInline = false
  private scheduled = false
  private stopped = false
  /** Number of the last poke sent to a worker. */
  private pokes = 0
  /** Callers of whenIdle, each with the poke that it waits to see drained. */
  private idleWaiters: { poke: number; resolve: () => void }[] = []

  constructor(private readonly options: RunnerOptions) {
    const script = join(packageRoot(), 'out', 'main', 'genai-worker.js')
    this.script = !options.inline && existsSync(script) ? script : null
    this.pendingWork = new PendingWork(options.db)
    this.pendingCheck = setInterval(() => this.checkPending(), PENDING_CHECK_MS)
    this.pendingCheck.unref()
    if (this.script) this.checkPending()
    else this.poke()
  }

  /** Tell the runner that new spans were committed. */
  poke(): void {
    if (this.stopped) return
    if (this.script) {
      this.send(this.runningWorker(this.script), { type: 'poke', poke: ++this.pokes })
      return
    }
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => void this.runInline())
  }

  /** Normalize everything again, e.g. after prices changed. */
  restart(): void {
    if (this.stopped) return
    if (this.script) {
      this.send(this.runningWorker(this.script), { type: 'restart', poke: ++this.pokes })
    } else {
      this.restartInline = true
      this.poke()
    }
  }

  /** Resolves when the runner has no spans left to normalize. */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      // An idle message of a drain that began before this poke may still be
      // on its way, and that drain may have missed the latest spans.
      this.idleWaiters.push({ poke: this.pokes + 1, resolve })
      // With no worker running, only stored rows can make work, so check them
      // rather than start a worker to find nothing.
      if (this.script && !this.worker && !this.hasPendingWork()) this.resolveIdle()
      else this.poke()
    })
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.pendingCheck)
    if (this.worker) {
      const worker = this.worker
      this.worker = null
      this.stopWorker(worker)
    }
    await Promise.all(this.stopping)
  }

  private checkPending(): void {
    if (this.stopped || this.worker || !this.script) return
    if (this.hasPendingWork()) this.poke()
  }

  /**
   * Checks the store for rows to process. When the check fails, for example
   * on a damaged store, it logs the error and returns true, so that the
   * worker runs and reports what fails.
   */
  private hasPendingWork(): boolean {
    try {
      return this.pendingWork.exists()
    } catch (error) {
      this.options.log.error({ err: error }, 'checking the store for spans to normalize failed')
      return true
    }
  }

  /** Returns the V8 heap limits of the running worker, or null when no worker runs. */
  workerResourceLimits(): ResourceLimits | null {
    return this.worker?.resourceLimits ?? null
  }

  /** Returns the worker, started first if none runs. */
  private runningWorker(script: string): Worker {
    this.lastActivityMs = Date.now()
    if (this.worker) return this.worker
    const worker = new Worker(script, {
      workerData: { dataDir: this.options.dataDir },
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    })
    worker.on('message', (message: WorkerMessage) => this.handle(worker, message))
    worker.on('error', (error) =>
      this.options.log.error({ err: error }, 'the GenAI normalization worker failed'),
    )
    worker.on('exit', (code) => {
      if (this.stopped || this.worker !== worker) return
      // Keep normalizing in this thread rather than not at all.
      this.options.log.error(
        `the GenAI normalization worker exited with code ${code}; normalizing in the main thread`,
      )
      this.worker = null
      this.script = null
      this.poke()
    })
    worker.unref()
    this.worker = worker
    this.options.log.debug(
      { youngGenerationMb: WORKER_YOUNG_GENERATION_MB },
      'started the GenAI normalization worker',
    )
    return worker
  }

  /** Tells a worker to close its connection and exit, and terminates it if it does not. */
  private stopWorker(worker: Worker): void {
    // Referenced while stopping: an unreferenced worker and timer would let
    // Node exit in the middle of shutdown, before the lock is released.
    worker.ref()
    const exited = new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate().then(() => resolve()), STOP_TIMEOUT_MS)
      worker.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      this.send(worker, { type: 'stop' })
    })
    this.stopping.add(exited)
    void exited.then(() => this.stopping.delete(exited))
  }

  private handle(worker: Worker, message: WorkerMessage): void {
    if (message.type === 'changed') {
      this.lastActivityMs = Date.now()
      this.options.onChanged(message.traceIds)
    } else if (message.type === 'failed') {
      this.options.log.error(`GenAI normalization failed: ${message.message}`)
    } else if (message.type === 'idle' && worker === this.worker) {
      // A stopping worker's last report may predate spans that its successor normalizes.
      this.resolveIdle(message.poke)
      this.stopIfIdle()
    }
  }

  private stopIfIdle(): void {
    const worker = this.worker
    const idleStopMs = this.options.idleStopMs ?? DEFAULT_IDLE_STOP_MS
    if (!worker || Date.now() - this.lastActivityMs < idleStopMs) return
    this.worker = null
    this.stopWorker(worker)
    this.options.log.debug(`stopped the GenAI normalization worker after ${idleStopMs} ms idle`)
  }

  private inlinePasses(): Promise<BackgroundPasses> {
    // Loaded on first use: the normalizer brings the price data, which a core
    // with a worker thread never needs in its own thread.
    this.inline ??= import('./background').then(
      ({ BackgroundPasses }) => new BackgroundPasses(this.options.db),
    )
    return this.inline
  }

  private async runInline(): Promise<void> {
    try {
      const passes = await this.inlinePasses()
      this.scheduled = false
      if (this.stopped) return
      if (this.restartInline) {
        this.restartInline = false
        passes.normalizer.restart()
      }
      const result = passes.step(500)
      if (result.processed > 0) {
        this.options.onChanged([...result.traceIds])
        this.poke()
        return
      }
    } catch (error) {
      this.scheduled = false
      this.options.log.error({ err: error }, 'GenAI normalization failed')
    }
    this.resolveIdle()
  }

  private send(worker: Worker, message: RunnerMessage): void {
    worker.postMessage(message)
  }

  /** Resolves the waiters whose poke was drained, or all of them when `drained` is omitted. */
  private resolveIdle(drained = Infinity): void {
    const ready = this.idleWaiters.filter((waiter) => waiter.poke <= drained)
    this.idleWaiters = this.idleWaiters.filter((waiter) => waiter.poke > drained)
    for (const waiter of ready) waiter.resolve()
  }
}

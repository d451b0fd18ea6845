// Runs GenAI normalization and search indexing off the acknowledgement path:
// in a worker thread when the built worker script exists (so it uses the
// second core), else in the core's own thread between requests, in small
// batches.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import { packageRoot } from '../package-root'
import { BackgroundPasses } from './background'

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

export interface RunnerOptions {
  db: Database.Database
  dataDir: string
  log: Logger
  onChanged: (traceIds: string[]) => void
  /** Force the in-thread mode (tests of the runner itself). */
  inline?: boolean
}

export class NormalizationRunner {
  private worker: Worker | null = null
  private inline: BackgroundPasses | null = null
  private scheduled = false
  private stopped = false
  /** Number of the last poke sent to the worker. */
  private pokes = 0
  /** Callers of whenIdle, each with the poke that it waits to see drained. */
  private idleWaiters: { poke: number; resolve: () => void }[] = []

  constructor(private readonly options: RunnerOptions) {
    const script = join(packageRoot(), 'out', 'main', 'genai-worker.js')
    if (!options.inline && existsSync(script)) this.startWorker(script)
    else this.startInline()
    this.poke()
  }

  /** Tell the runner that new spans were committed. */
  poke(): void {
    if (this.stopped) return
    if (this.worker) {
      this.send({ type: 'poke', poke: ++this.pokes })
      return
    }
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.runInline())
  }

  /** Normalize everything again, e.g. after prices changed. */
  restart(): void {
    if (this.worker) this.send({ type: 'restart', poke: ++this.pokes })
    else {
      this.inline?.normalizer.restart()
      this.poke()
    }
  }

  /** Resolves when the runner has no spans left to normalize. */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      // An idle message of a drain that began before this poke may still be
      // on its way, and that drain may have missed the latest spans.
      this.idleWaiters.push({ poke: this.pokes + 1, resolve })
      this.poke()
    })
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.worker) {
      const worker = this.worker
      this.worker = null
      // Referenced while stopping: an unreferenced worker and timer would let
      // Node exit in the middle of shutdown, before the lock is released.
      worker.ref()
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 2000)
        worker.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
        const stop: RunnerMessage = { type: 'stop' }
        worker.postMessage(stop)
      })
    }
  }

  private startWorker(script: string): void {
    const worker = new Worker(script, { workerData: { dataDir: this.options.dataDir } })
    worker.on('message', (message: WorkerMessage) => this.handle(message))
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
      this.startInline()
      this.poke()
    })
    worker.unref()
    this.worker = worker
  }

  private startInline(): void {
    this.inline = new BackgroundPasses(this.options.db)
  }

  private handle(message: WorkerMessage): void {
    if (message.type === 'changed') this.options.onChanged(message.traceIds)
    else if (message.type === 'failed')
      this.options.log.error(`GenAI normalization failed: ${message.message}`)
    else if (message.type === 'idle') this.resolveIdle(message.poke)
  }

  private runInline(): void {
    this.scheduled = false
    if (this.stopped || !this.inline) return
    try {
      const result = this.inline.step(500)
      if (result.processed > 0) {
        this.options.onChanged([...result.traceIds])
        this.poke()
        return
      }
    } catch (error) {
      this.options.log.error({ err: error }, 'GenAI normalization failed')
    }
    this.resolveIdle()
  }

  private send(message: RunnerMessage): void {
    this.worker?.postMessage(message)
  }

  /** Resolves the waiters whose poke was drained, or all of them when `drained` is omitted. */
  private resolveIdle(drained = Infinity): void {
    const ready = this.idleWaiters.filter((waiter) => waiter.poke <= drained)
    this.idleWaiters = this.idleWaiters.filter((waiter) => waiter.poke > drained)
    for (const waiter of ready) waiter.resolve()
  }
}

// Retention: keeps the store under a size cap and an age limit by deleting
// whole oldest traces (see retention-steps.ts for the rule), then gives the
// freed pages back to the file system with incremental vacuum.
//
// A pass runs when the core starts, every `intervalMs`, after a commit that
// leaves the store over its size cap, and after a write failed because the
// disk was full. It is a sequence of short write transactions with a turn of
// the event loop between them, so ingest commits interleave with it.

import { statSync } from 'node:fs'
import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import { formatMebibytes } from './failures'
import { emptyCounts, RetentionSteps, type StepCounts, type StepMode } from './retention-steps'
import { tryImmediate } from './write-lock'

/** 10 minutes. */
export const DEFAULT_RETENTION_INTERVAL_MS = 10 * 60 * 1000
/** Under the size cap, a pass deletes until the data takes this share of the cap. */
const SIZE_TARGET_RATIO = 0.9
const DAY_MS = 24 * 60 * 60 * 1000
/** Maximum time one step blocks the event loop waiting for another connection's write lock. */
const LOCK_ATTEMPT_MS = 50
/** A pass that waits longer than this for the write lock stops; the next one carries on. */
const MAX_LOCK_WAIT_MS = 30_000

export interface RetentionLimits {
  /** Largest size of the store's data in bytes, or null for no size cap. */
  maxStoreBytes: number | null
  /** Age limit in days (fractions allowed), or null for none. */
  retentionDays: number | null
}

export interface RetentionOptions extends RetentionLimits {
  log: Logger
  /** Time between periodic passes, in milliseconds. */
  intervalMs?: number
}

export type PassReason = 'start' | 'interval' | 'size' | 'store-full' | 'request'

export interface RetentionReport extends StepCounts {
  reason: PassReason
  startedAt: string
  durationMs: number
  /** Write transactions the pass made (deletion and vacuum steps). */
  steps: number
  /** Maximum time one step held the write lock, in milliseconds. */
  maxLockMs: number
  pagesVacuumed: number
  /** Size of the database file and its WAL before and after the pass. */
  fileBytesBefore: number
  fileBytesAfter: number
  /** Reason the pass ended early, or null when it finished. */
  stoppedEarly: string | null
}

export class Retention {
  private readonly steps: RetentionSteps
  private running: Promise<RetentionReport> | null = null
  /** A pass was requested while one ran; the reason it gives. */
  private again: PassReason | null = null
  private timer: NodeJS.Timeout | null = null
  private stopped = false
  private last: RetentionReport | null = null

  constructor(
    private readonly db: Database.Database,
    private readonly options: RetentionOptions,
  ) {
    this.steps = new RetentionSteps(db)
    const { maxStoreBytes, retentionDays } = options
    if (maxStoreBytes !== null && !(maxStoreBytes > 0)) {
      throw new RangeError(`the store size cap must be positive, got ${maxStoreBytes}`)
    }
    if (retentionDays !== null && !(retentionDays > 0)) {
      throw new RangeError(
        `the retention age must be a positive number of days, got ${retentionDays}`,
      )
    }
  }

  get enabled(): boolean {
    return this.options.maxStoreBytes !== null || this.options.retentionDays !== null
  }

  /** Runs a first pass now and then one every interval; does nothing without limits. */
  start(): void {
    if (!this.enabled) return
    this.request('start')
    this.timer = setInterval(
      () => this.request('interval'),
      this.options.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS,
    )
    this.timer.unref()
  }

  /** Starts a pass when the store has grown past its size cap; cheap enough for every commit. */
  afterCommit(): void {
    const cap = this.options.maxStoreBytes
    if (cap === null || this.running || this.stopped) return
    if (this.steps.liveBytes() > cap) this.request('size')
  }

  /** Starts a pass after a write failed for lack of space, when a limit allows deleting. */
  afterStoreFull(): void {
    if (this.enabled) this.request('store-full')
  }

  /** Runs a pass (or joins the one running and then runs another) and returns its report. */
  async runNow(): Promise<RetentionReport> {
    while (this.running) await this.running.catch(() => {})
    return this.request('request')
  }

  lastReport(): RetentionReport | null {
    return this.last
  }

  /** Stops the timer and waits for a running pass to end after its current step. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running?.catch(() => {})
  }

  private request(reason: PassReason): Promise<RetentionReport> {
    if (this.running) {
      this.again ??= reason
      return this.running
    }
    const pass = this.pass(reason).finally(() => {
      this.running = null
      const next = this.again
      this.again = null
      if (next && !this.stopped) void this.request(next)
    })
    this.running = pass
    pass.catch((error: unknown) =>
      this.options.log.error({ err: error, reason }, 'a retention pass failed'),
    )
    return pass
  }

  private async pass(reason: PassReason): Promise<RetentionReport> {
    // Start on a turn of its own, not inside the commit or failure that asked for it.
    await new Promise((resolve) => setImmediate(resolve))
    const started = performance.now()
    const report: RetentionReport = {
      reason,
      startedAt: new Date().toISOString(),
      durationMs: 0,
      ...emptyCounts(),
      steps: 0,
      maxLockMs: 0,
      pagesVacuumed: 0,
      fileBytesBefore: this.fileBytes(),
      fileBytesAfter: 0,
      stoppedEarly: null,
    }
    try {
      await this.deleteExpired(report)
      await this.deleteOverCap(report)
      await this.vacuum(report)
      // A passive checkpoint copies the WAL into the database file and
      // truncates the file to its vacuumed size, without blocking writers.
      if (report.pagesVacuumed > 0) this.db.pragma('wal_checkpoint(PASSIVE)')
    } catch (error) {
      if (!(error instanceof PassStopped)) throw error
      report.stoppedEarly = error.message
    }
    report.fileBytesAfter = this.fileBytes()
    report.durationMs = performance.now() - started
    this.last = report
    this.log(report)
    return report
  }

  private async deleteExpired(report: RetentionReport): Promise<void> {
    const days = this.options.retentionDays
    if (days === null) return
    const cutoffMs = Date.now() - days * DAY_MS
    await this.deleteWhile(report, { kind: 'age', cutoffMs }, () => true)
  }

  private async deleteOverCap(report: RetentionReport): Promise<void> {
    const cap = this.options.maxStoreBytes
    if (cap === null || this.steps.liveBytes() <= cap) return
    const targetBytes = cap * SIZE_TARGET_RATIO
    await this.deleteWhile(
      report,
      { kind: 'size', targetBytes },
      () => this.steps.liveBytes() > targetBytes,
    )
  }

  /** Runs deletion steps until one deletes nothing or `more` returns false. */
  private async deleteWhile(
    report: RetentionReport,
    mode: StepMode,
    more: () => boolean,
  ): Promise<void> {
    while (more()) {
      const counts = await this.step(report, () => this.steps.deleteStep(mode))
      report.traces += counts.traces
      report.spans += counts.spans
      report.logs += counts.logs
      report.metricBatches += counts.metricBatches
      report.runs += counts.runs
      if (Object.values(counts).every((n) => n === 0)) return
    }
  }

  private async vacuum(report: RetentionReport): Promise<void> {
    while (this.steps.freePages() > 0) {
      const freed = await this.step(report, () => this.steps.vacuumStep())
      report.pagesVacuumed += freed
      // auto_vacuum = NONE (a store from before Loupe set it) frees no pages.
      if (freed === 0) return
    }
  }

  /**
   * Runs one write transaction, waiting for the write lock in short attempts,
   * then yields to the event loop. Throws PassStopped when the core stops or
   * the lock stays taken past MAX_LOCK_WAIT_MS.
   */
  private async step<T>(report: RetentionReport, work: () => T): Promise<T> {
    const waitStarted = performance.now()
    for (;;) {
      if (this.stopped) throw new PassStopped('the core stopped')
      let lockedAt = 0
      const done = tryImmediate(
        this.db,
        () => {
          lockedAt = performance.now()
          return work()
        },
        LOCK_ATTEMPT_MS,
      )
      if (done) {
        report.steps++
        report.maxLockMs = Math.max(report.maxLockMs, performance.now() - lockedAt)
        await new Promise((resolve) => setImmediate(resolve))
        return done.value
      }
      if (performance.now() - waitStarted > MAX_LOCK_WAIT_MS) {
        throw new PassStopped(
          `another connection held the write lock of ${this.db.name} for over ${MAX_LOCK_WAIT_MS / 1000} s`,
        )
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  /** Returns the size of the database file and its WAL, in bytes. */
  fileBytes(): number {
    let bytes = 0
    for (const file of [this.db.name, `${this.db.name}-wal`]) {
      try {
        bytes += statSync(file).size
      } catch {
        // No WAL file between connections.
      }
    }
    return bytes
  }

  private log(report: RetentionReport): void {
    const deleted = report.traces + report.logs + report.metricBatches + report.runs
    const summary =
      `retention (${report.reason}) deleted ${report.traces} traces (${report.spans} spans), ` +
      `${report.logs} logs, ${report.metricBatches} metric batches and ${report.runs} runs ` +
      `in ${report.steps} steps (longest write lock ${report.maxLockMs.toFixed(1)} ms); ` +
      `the store went from ${formatMebibytes(report.fileBytesBefore)} to ` +
      `${formatMebibytes(report.fileBytesAfter)}`
    if (report.stoppedEarly) {
      this.options.log.warn({ report }, `${summary}; stopped early: ${report.stoppedEarly}`)
    } else if (deleted > 0 || report.pagesVacuumed > 0) {
      this.options.log.info({ report }, summary)
    } else {
      this.options.log.debug({ report }, summary)
    }
  }
}

/** Ends a pass between steps; the data deleted so far stays deleted. */
class PassStopped extends Error {
  override name = 'PassStopped'
}

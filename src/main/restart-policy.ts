// When the core's utility process dies, main starts it again, unless it keeps
// dying: a core that crashes at every start would otherwise loop forever.

/** Restarts allowed within the window before main gives up. */
export const MAX_RESTARTS = 3
/** Length of the window in which restarts are counted, in milliseconds. */
export const RESTART_WINDOW_MS = 60_000

export class RestartPolicy {
  private readonly restarts: number[] = []

  constructor(
    private readonly maxRestarts = MAX_RESTARTS,
    private readonly windowMs = RESTART_WINDOW_MS,
  ) {}

  /**
   * Records an unexpected exit at `nowMs` and returns whether to restart:
   * 'give-up' once `maxRestarts` restarts happened within the last `windowMs`.
   */
  onExit(nowMs: number): 'restart' | 'give-up' {
    while (this.restarts.length > 0 && nowMs - this.restarts[0]! >= this.windowMs) {
      this.restarts.shift()
    }
    if (this.restarts.length >= this.maxRestarts) return 'give-up'
    this.restarts.push(nowMs)
    return 'restart'
  }
}

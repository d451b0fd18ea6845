// The live runs that may call the model gateway, looked up by their gateway
// key. `loupe run` and the playground add a run when they start its command
// and remove it when the command ends.

import type { GatewayRun } from './types'

export class RunRegistry {
  private readonly runsById = new Map<string, GatewayRun>()
  private readonly runsByKey = new Map<string, GatewayRun>()

  /** Registers a run. Throws when its id or its key belongs to a registered run. */
  add(run: GatewayRun): void {
    if (run.key === '') throw new Error(`run ${run.id} has an empty gateway key`)
    if (this.runsById.has(run.id)) throw new Error(`run ${run.id} is already registered`)
    if (this.runsByKey.has(run.key)) {
      throw new Error(`the gateway key of run ${run.id} already belongs to another run`)
    }
    this.runsById.set(run.id, run)
    this.runsByKey.set(run.key, run)
  }

  /** Unregisters a run; returns false when no run has this id. */
  remove(id: string): boolean {
    const run = this.runsById.get(id)
    if (!run) return false
    this.runsById.delete(id)
    this.runsByKey.delete(run.key)
    return true
  }

  get(id: string): GatewayRun | null {
    return this.runsById.get(id) ?? null
  }

  byKey(key: string): GatewayRun | null {
    return this.runsByKey.get(key) ?? null
  }

  list(): GatewayRun[] {
    return [...this.runsById.values()]
  }
}

import type { PushMessage } from '../../shared/api'

/**
 * A message on the push bus: one of the core's messages, or 'connected' each
 * time the events stream opens. Hooks reload on 'connected' what they may
 * have missed before the stream opened or while it was down.
 */
export type BusMessage = PushMessage | { type: 'connected'; reconnected: boolean }

type BusListener = (message: BusMessage) => void

/**
 * Fans out the messages of the one server-sent events connection to every
 * hook that wants them (trace list, status, open trace).
 */
export class PushBus {
  private readonly listeners = new Set<BusListener>()

  /** Adds a listener and returns the function that removes it. */
  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  publish(message: BusMessage): void {
    for (const listener of this.listeners) listener(message)
  }
}

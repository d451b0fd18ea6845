// Entry point of the normalization worker thread: it opens its own
// connection to the store, normalizes and indexes new spans for search
// whenever the core pokes it (and every 250 ms regardless), and reports the
// traces it changed.

import { parentPort, workerData } from 'node:worker_threads'
import { openDatabase } from '../store/database'
import { BackgroundPasses } from './background'
import type { RunnerMessage, WorkerMessage } from './runner'

const { dataDir } = workerData as { dataDir: string }

const db = openDatabase(dataDir)
const passes = new BackgroundPasses(db)
let timer: NodeJS.Timeout | null = null
/** Number of the last poke received; each idle message reports the one its drain began after. */
let lastPoke = 0

function send(message: WorkerMessage): void {
  parentPort?.postMessage(message)
}

function drain(): void {
  if (timer) clearTimeout(timer)
  timer = null
  const poke = lastPoke
  try {
    for (;;) {
      const result = passes.step()
      if (result.processed === 0) break
      send({ type: 'changed', traceIds: [...result.traceIds] })
    }
  } catch (error) {
    send({ type: 'failed', message: (error as Error).message })
  }
  send({ type: 'idle', poke })
  timer = setTimeout(drain, 250)
}

parentPort?.on('message', (message: RunnerMessage) => {
  if (message.type === 'poke') {
    lastPoke = message.poke
    setImmediate(drain)
  } else if (message.type === 'restart') {
    passes.normalizer.restart()
    lastPoke = message.poke
    setImmediate(drain)
  } else if (message.type === 'stop') {
    if (timer) clearTimeout(timer)
    db.close()
    process.exit(0)
  }
})

drain()

// Runs the core in an Electron utility process, so that ingest never blocks
// the window, and starts it again when it dies unexpectedly.

import { utilityProcess, type UtilityProcess } from 'electron'
import type { Logger } from 'pino'
import type { CoreOptions } from '../core/core'
import { NATIVE_BINDING_ENV } from '../core/store/database'
import type { CoreConnection } from '../shared/ipc'
import type { ProviderId } from '../shared/settings'
import { MAX_RESTARTS, RESTART_WINDOW_MS, RestartPolicy } from './restart-policy'

/** Time the core gets to close its servers and the store on quit, in milliseconds. */
const STOP_TIMEOUT_MS = 5_000

/** Provider keys for the core's gateway, sent as a message so that they never touch its environment. */
export type ProviderKeysMessage = {
  type: 'provider-keys'
  keys: Partial<Record<ProviderId, string>>
}

/** Messages from src/core/process.ts. */
type CoreMessage =
  | { type: 'ready'; uiUrl: string; status: { otlpHttpUrl: string | null } }
  | { type: 'failed'; message: string }

export interface RunningCore extends CoreConnection {
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318, or null when the receiver is off. */
  otlpHttpUrl: string | null
}

export interface SupervisorEvents {
  /** The core exited unexpectedly and was started again at `core`. */
  onRestarted(exitCode: number, core: RunningCore): void
  /** The core exited unexpectedly and could not be started again. */
  onGaveUp(exitCode: number, error: Error): void
}

export class CoreSupervisor {
  private child: UtilityProcess | null = null
  private stopping = false
  private readonly policy = new RestartPolicy()
  private keys: Partial<Record<ProviderId, string>> = {}

  constructor(
    private readonly entry: string,
    private readonly options: CoreOptions,
    /** better-sqlite3 binary for the core to load; undefined keeps its default. */
    private readonly nativeBinding: string | undefined,
    private readonly log: Logger,
    private readonly events: SupervisorEvents,
  ) {}

  /** Hands `keys` to the running core, and to each core started after this. */
  setProviderKeys(keys: Partial<Record<ProviderId, string>>): void {
    this.keys = keys
    this.child?.postMessage({ type: 'provider-keys', keys } satisfies ProviderKeysMessage)
  }

  /** Starts the core and resolves once its servers listen; rejects when it fails to start. */
  start(): Promise<RunningCore> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOUPE_CORE_OPTIONS: JSON.stringify(this.options),
    }
    if (this.nativeBinding !== undefined) env[NATIVE_BINDING_ENV] = this.nativeBinding
    const child = utilityProcess.fork(this.entry, [], { serviceName: 'Loupe core', env })
    this.child = child
    this.log.info({ pid: child.pid }, 'core process started')
    return new Promise((resolve, reject) => {
      let ready = false
      child.on('message', (message: CoreMessage) => {
        if (message.type === 'failed') {
          reject(new Error(message.message))
          return
        }
        ready = true
        child.postMessage({ type: 'provider-keys', keys: this.keys } satisfies ProviderKeysMessage)
        const url = new URL(message.uiUrl)
        resolve({
          baseUrl: url.origin,
          token: url.searchParams.get('token') ?? '',
          otlpHttpUrl: message.status.otlpHttpUrl,
        })
      })
      child.once('exit', (code) => {
        if (this.child === child) this.child = null
        if (!ready) {
          reject(new Error(`the Loupe core exited with code ${code} while starting`))
          return
        }
        this.onExit(code)
      })
    })
  }

  /** Asks the core to stop and waits for it, killing it after STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    this.stopping = true
    const child = this.child
    if (child === null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.postMessage({ type: 'stop' })
    const timer = setTimeout(() => {
      this.log.warn(
        { pid: child.pid },
        `core did not stop within ${STOP_TIMEOUT_MS} ms, killing it`,
      )
      child.kill()
    }, STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
    this.log.info('core process stopped')
  }

  private onExit(code: number): void {
    if (this.stopping) return
    this.log.error({ exitCode: code }, 'core process exited unexpectedly')
    if (this.policy.onExit(Date.now()) === 'give-up') {
      const window = `${RESTART_WINDOW_MS / 1000} s`
      const error = new Error(`it was already restarted ${MAX_RESTARTS} times within ${window}`)
      this.events.onGaveUp(code, error)
      return
    }
    this.start().then(
      (core) => {
        this.log.info({ exitCode: code, baseUrl: core.baseUrl }, 'core process restarted')
        this.events.onRestarted(code, core)
      },
      (error: unknown) => {
        this.log.error({ err: error }, 'core process failed to restart')
        this.events.onGaveUp(code, error as Error)
      },
    )
  }
}

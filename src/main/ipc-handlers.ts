// The IPC handlers of the channels in src/shared/ipc.ts. Each one checks
// that the message comes from the top frame of Loupe's window showing the
// core's UI, and validates its arguments, before it acts.

import { ipcMain, type IpcMainInvokeEvent } from 'electron'
import type { Logger } from 'pino'
import { z } from 'zod'
import {
  IpcChannels,
  type CoreConnection,
  type KeychainStatus,
  type ProviderKeyInfo,
  type StoreKeyResult,
} from '../shared/ipc'
import { acceptIpcSender, type IpcSender, type TrustedUi } from './ipc-sender'
import type { AskConsent, Keychain } from './keychain'

export interface IpcContext {
  trustedUi(): TrustedUi
  connection(): CoreConnection | null
  keychain: Keychain
  askConsent: AskConsent
  /** Hands the keychain's keys to the core after a change. */
  keysChanged(): Promise<void>
  setFailedRunCount(count: number): void
  relaunch(): void
  log: Logger
}

const provider = z.enum(['openai', 'anthropic'])

/** Largest badge count accepted; the renderer never sends more than it remembers. */
const MAX_BADGE_COUNT = 100_000

export function registerIpcHandlers(context: IpcContext): void {
  handle(context, IpcChannels.getConnection, z.tuple([]), (): CoreConnection => {
    const connection = context.connection()
    if (connection === null) throw new Error('the Loupe core is not running')
    return connection
  })
  handle(context, IpcChannels.getKeychainStatus, z.tuple([]), (): Promise<KeychainStatus> =>
    context.keychain.status(),
  )
  handle(context, IpcChannels.listProviderKeys, z.tuple([]), (): Promise<ProviderKeyInfo[]> =>
    context.keychain.list(),
  )
  handle(
    context,
    IpcChannels.storeProviderKey,
    z.tuple([provider, z.string()]),
    async ([name, key]): Promise<StoreKeyResult> => {
      const result = await context.keychain.store(name, key, context.askConsent)
      if (result.stored) {
        context.log.info({ provider: name }, 'stored a provider key')
        await context.keysChanged()
      }
      return result
    },
  )
  handle(
    context,
    IpcChannels.deleteProviderKey,
    z.tuple([provider]),
    async ([name]): Promise<ProviderKeyInfo[]> => {
      const keys = await context.keychain.remove(name)
      context.log.info({ provider: name }, 'deleted a provider key')
      await context.keysChanged()
      return keys
    },
  )
  handle(
    context,
    IpcChannels.setFailedRunCount,
    z.tuple([z.number().int().min(0).max(MAX_BADGE_COUNT)]),
    ([count]) => context.setFailedRunCount(count),
  )
  handle(context, IpcChannels.relaunch, z.tuple([]), () => context.relaunch())
}

function handle<Args extends z.ZodTuple>(
  context: IpcContext,
  channel: string,
  args: Args,
  act: (args: z.infer<Args>) => unknown,
): void {
  ipcMain.handle(channel, (event, ...given: unknown[]) => {
    if (!acceptIpcSender(channel, senderOf(event), context.trustedUi(), context.log)) {
      throw new Error('rejected IPC from a page that is not the Loupe UI')
    }
    const parsed = args.safeParse(given)
    if (!parsed.success) {
      context.log.warn({ channel }, `rejected IPC with invalid arguments on ${channel}`)
      throw new Error(`invalid arguments for ${channel}`)
    }
    return act(parsed.data)
  })
}

function senderOf(event: IpcMainInvokeEvent): IpcSender {
  const frame = event.senderFrame
  return {
    webContentsId: event.sender.id,
    frameUrl: frame?.url ?? null,
    isMainFrame: frame !== null && frame.parent === null,
  }
}

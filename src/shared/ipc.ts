// The contract between the Electron main process and the preload: every IPC
// channel with its argument and result types. Nothing else crosses.

import type { ProviderId } from './settings'

export interface CoreConnection {
  /** Base URL of the UI/API server, e.g. http://127.0.0.1:4320 */
  baseUrl: string
  token: string
}

/**
 * How stored provider keys are protected: by the OS keychain; by Electron's
 * fallback on Linux without a keyring, which encrypts with a fixed password
 * and so protects nothing from someone who can read the file; or not at
 * all, when encryption is unavailable and keys can be kept for this session only.
 */
export type KeyProtection = 'keychain' | 'plaintext' | 'unavailable'

export interface KeychainStatus {
  protection: KeyProtection
  /** `safeStorage.getSelectedStorageBackend()` on Linux, e.g. `gnome_libsecret` or `basic_text`; null elsewhere. */
  backend: string | null
  /** True once the user agreed to store keys although the protection is `plaintext`. */
  plaintextAccepted: boolean
  /** One or two sentences for the settings page. */
  description: string
}

export interface ProviderKeyInfo {
  provider: ProviderId
  /** Where the key is kept, or null when there is none. */
  storedIn: 'keychain' | 'plaintext' | 'memory' | null
  /** When the key was stored (ISO 8601), or null. */
  savedAt: string | null
  /** Why a stored key cannot be used, e.g. it no longer decrypts; null when it can. */
  problem: string | null
}

export type StoreKeyResult =
  | { stored: true; keys: ProviderKeyInfo[] }
  | { stored: false; reason: 'declined' | 'invalid'; message: string }

export const IpcChannels = {
  getConnection: 'loupe:get-connection',
  getKeychainStatus: 'loupe:get-keychain-status',
  listProviderKeys: 'loupe:list-provider-keys',
  storeProviderKey: 'loupe:store-provider-key',
  deleteProviderKey: 'loupe:delete-provider-key',
  setFailedRunCount: 'loupe:set-failed-run-count',
  relaunch: 'loupe:relaunch',
} as const

/** What the preload exposes to the renderer as `window.loupe`. */
export interface LoupeBridge {
  getConnection(): Promise<CoreConnection>
  getKeychainStatus(): Promise<KeychainStatus>
  listProviderKeys(): Promise<ProviderKeyInfo[]>
  /** Stores a key; main asks the user first when the keychain does not protect it. */
  storeProviderKey(provider: ProviderId, key: string): Promise<StoreKeyResult>
  deleteProviderKey(provider: ProviderId): Promise<ProviderKeyInfo[]>
  /** Shows the number of new failed runs on the dock or tray icon; 0 clears it. */
  setFailedRunCount(count: number): Promise<void>
  /** Quits and starts the app again, so that saved settings apply. */
  relaunch(): Promise<void>
}

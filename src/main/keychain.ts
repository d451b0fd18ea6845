// Provider keys stored with Electron's safeStorage: each key is encrypted by
// the OS keychain and the encrypted bytes are kept in provider-keys.json in
// the data folder. On Linux without a keyring, safeStorage falls back to a
// fixed password (the `basic_text` backend), which protects nothing. Where
// encryption is unavailable altogether, a key can only be kept in memory.
// In both cases the user is told and asked before anything is stored.
//
// The safeStorage object is passed in, so that Node tests can run this
// module with a stand-in that has the same methods.

import { randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import type { KeychainStatus, KeyProtection, ProviderKeyInfo, StoreKeyResult } from '../shared/ipc'
import type { ProviderId } from '../shared/settings'

export const PROVIDER_KEYS_FILE = 'provider-keys.json'

export const PROVIDERS: readonly ProviderId[] = ['openai', 'anthropic']

/** Maximum key length accepted, in characters. Provider keys are well under it (an estimate: OpenAI and Anthropic keys are under 200). */
const MAX_KEY_LENGTH = 1000

/** The methods of Electron's `safeStorage` that the keychain uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
  encryptString(plainText: string): Buffer
  decryptString(encrypted: Buffer): string
  /** Linux only in Electron; `unknown` before the app is ready. */
  getSelectedStorageBackend(): string
}

/** A question to put to the user before a key is stored without the OS keychain's protection. */
export interface ConsentQuestion {
  protection: Exclude<KeyProtection, 'keychain'>
  message: string
  detail: string
  /** Label of the button that agrees. */
  confirm: string
}

/** Puts the question to the user; resolves with true when they agree. */
export type AskConsent = (question: ConsentQuestion) => Promise<boolean>

const storedKeySchema = z.object({
  /** Base64 of safeStorage.encryptString's output. */
  encrypted: z.string(),
  protection: z.enum(['keychain', 'plaintext']),
  savedAt: z.string(),
})

const keysFileSchema = z.object({
  version: z.literal(1),
  plaintextAccepted: z.boolean().default(false),
  keys: z.partialRecord(z.enum(['openai', 'anthropic']), storedKeySchema).default({}),
})

type KeysFile = z.infer<typeof keysFileSchema>

/** A provider-keys.json that cannot be read or parsed. */
export class KeychainFileError extends Error {
  override name = 'KeychainFileError'
}

export class Keychain {
  private readonly memory = new Map<ProviderId, { key: string; savedAt: string }>()

  constructor(
    private readonly folder: string,
    private readonly storage: SafeStorageLike,
    private readonly platform: NodeJS.Platform,
  ) {}

  get file(): string {
    return join(this.folder, PROVIDER_KEYS_FILE)
  }

  /** Returns how keys are protected here. Call it after the app is ready. */
  async status(): Promise<KeychainStatus> {
    const protection = this.protection()
    const backend = this.platform === 'linux' ? this.storage.getSelectedStorageBackend() : null
    const { plaintextAccepted } = await this.readFile()
    return { protection, backend, plaintextAccepted, description: describe(protection, backend) }
  }

  /** Lists each provider with where its key is kept, without the keys. */
  async list(): Promise<ProviderKeyInfo[]> {
    const file = await this.readFile()
    return PROVIDERS.map((provider) => {
      const inMemory = this.memory.get(provider)
      if (inMemory) {
        return { provider, storedIn: 'memory', savedAt: inMemory.savedAt, problem: null }
      }
      const stored = file.keys[provider]
      if (!stored) return { provider, storedIn: null, savedAt: null, problem: null }
      return {
        provider,
        storedIn: stored.protection,
        savedAt: stored.savedAt,
        problem: this.decrypt(provider, stored.encrypted).problem,
      }
    })
  }

  /**
   * Stores `key` for `provider`. When the OS keychain does not protect it,
   * `ask` puts the question to the user first, and nothing is stored unless
   * they agree. Agreeing to the `basic_text` fallback is remembered until the
   * last key is deleted.
   */
  async store(provider: ProviderId, key: string, ask: AskConsent): Promise<StoreKeyResult> {
    const invalid = checkKey(provider, key)
    if (invalid !== null) return { stored: false, reason: 'invalid', message: invalid }
    const protection = this.protection()
    const file = await this.readFile()
    const savedAt = new Date().toISOString()
    if (protection === 'unavailable') {
      if (!(await ask(consentQuestion('unavailable')))) return declined(protection)
      this.memory.set(provider, { key, savedAt })
      return { stored: true, keys: await this.list() }
    }
    if (protection === 'plaintext' && !file.plaintextAccepted) {
      if (!(await ask(consentQuestion('plaintext')))) return declined(protection)
      file.plaintextAccepted = true
    }
    const encrypted = this.storage.encryptString(key).toString('base64')
    file.keys[provider] = { encrypted, protection, savedAt }
    await this.writeFile(file)
    this.memory.delete(provider)
    return { stored: true, keys: await this.list() }
  }

  /** Deletes the key of `provider`, from the file and from memory. */
  async remove(provider: ProviderId): Promise<ProviderKeyInfo[]> {
    this.memory.delete(provider)
    const file = await this.readFile()
    if (file.keys[provider] !== undefined) {
      delete file.keys[provider]
      if (Object.keys(file.keys).length === 0) file.plaintextAccepted = false
      await this.writeFile(file)
    }
    return this.list()
  }

  /**
   * Returns every usable key, decrypted, for handing to the core. A key that
   * no longer decrypts is left out and named in `problems`.
   */
  async readAll(): Promise<{ keys: Partial<Record<ProviderId, string>>; problems: string[] }> {
    const file = await this.readFile()
    const keys: Partial<Record<ProviderId, string>> = {}
    const problems: string[] = []
    for (const provider of PROVIDERS) {
      const inMemory = this.memory.get(provider)
      if (inMemory) {
        keys[provider] = inMemory.key
        continue
      }
      const stored = file.keys[provider]
      if (!stored) continue
      const { key, problem } = this.decrypt(provider, stored.encrypted)
      if (key !== null) keys[provider] = key
      if (problem !== null) problems.push(problem)
    }
    return { keys, problems }
  }

  private protection(): KeyProtection {
    if (!this.storage.isEncryptionAvailable()) return 'unavailable'
    if (this.platform !== 'linux') return 'keychain'
    // `unknown` means the backend was asked for before the app was ready; assume the worst.
    const backend = this.storage.getSelectedStorageBackend()
    return backend === 'basic_text' || backend === 'unknown' ? 'plaintext' : 'keychain'
  }

  private decrypt(
    provider: ProviderId,
    encrypted: string,
  ): { key: string; problem: null } | { key: null; problem: string } {
    try {
      return { key: this.storage.decryptString(Buffer.from(encrypted, 'base64')), problem: null }
    } catch (error) {
      return {
        key: null,
        problem:
          `the stored ${provider} key cannot be decrypted (${(error as Error).message}); ` +
          'the keyring may have changed since it was stored: store the key again',
      }
    }
  }

  private async readFile(): Promise<KeysFile> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return { version: 1, plaintextAccepted: false, keys: {} }
      }
      throw new KeychainFileError(`cannot read ${this.file}: ${(error as Error).message}`)
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      throw new KeychainFileError(`${this.file} is not valid JSON: ${(error as Error).message}`)
    }
    const parsed = keysFileSchema.safeParse(value)
    if (!parsed.success) {
      throw new KeychainFileError(
        `${this.file} is not a Loupe provider keys file: ${parsed.error.issues[0]!.message}; ` +
          'delete it and store the keys again',
      )
    }
    return parsed.data
  }

  /** Writes the file readable by its owner only, through a rename so that it is never half written. */
  private async writeFile(file: KeysFile): Promise<void> {
    await mkdir(this.folder, { recursive: true })
    const temporary = `${this.file}.${randomUUID()}.tmp`
    await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
    await rename(temporary, this.file)
  }
}

/** Returns why `key` cannot be a provider key, or null when it can. */
function checkKey(provider: ProviderId, key: string): string | null {
  if (!PROVIDERS.includes(provider)) {
    return `unknown provider ${JSON.stringify(provider)}; use ${PROVIDERS.join(' or ')}`
  }
  if (key.length === 0) return 'the key is empty'
  if (key.length > MAX_KEY_LENGTH) {
    return `the key is ${key.length} characters long; provider keys are at most ${MAX_KEY_LENGTH}`
  }
  // Keys are single tokens; a space or line break means a paste went wrong.
  if (/[\s\p{Cc}]/u.test(key)) return 'the key contains spaces, line breaks or control characters'
  return null
}

function declined(protection: Exclude<KeyProtection, 'keychain'>): StoreKeyResult {
  return {
    stored: false,
    reason: 'declined',
    message:
      protection === 'plaintext'
        ? 'Not stored: no OS keyring protects keys on this desktop.'
        : 'Not stored: this system offers no encryption for stored keys.',
  }
}

/** Returns the question for storing a key without the OS keychain's protection. */
export function consentQuestion(protection: Exclude<KeyProtection, 'keychain'>): ConsentQuestion {
  if (protection === 'plaintext') {
    return {
      protection,
      message: 'No keyring protects stored keys on this desktop. Store the key anyway?',
      detail:
        'Loupe found no OS keyring (such as GNOME Keyring or KWallet), so Electron can only ' +
        'encrypt the key with a fixed password. Anyone who can read your data folder can read ' +
        'the key. Install and unlock a keyring, or set the key in the environment of ' +
        '`loupe serve` instead, to avoid this.',
      confirm: 'Store without a keyring',
    }
  }
  return {
    protection,
    message: 'This system cannot encrypt stored keys. Keep the key until Loupe quits?',
    detail:
      'Encryption through the OS keychain is not available, so Loupe will not write the key ' +
      'to disk. It can keep the key in memory until you quit Loupe.',
    confirm: 'Keep until Loupe quits',
  }
}

function describe(protection: KeyProtection, backend: string | null): string {
  switch (protection) {
    case 'keychain':
      return backend === null
        ? 'Keys are encrypted by the OS keychain and stored in the data folder.'
        : `Keys are encrypted through the ${backend} keyring and stored in the data folder.`
    case 'plaintext':
      return (
        'No OS keyring was found (safeStorage backend ' +
        `${backend ?? 'unknown'}), so a stored key is protected only by a fixed password. ` +
        'Loupe asks before storing one.'
      )
    case 'unavailable':
      return 'Encryption is not available, so keys can be kept only until Loupe quits.'
  }
}

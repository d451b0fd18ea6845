import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  Keychain,
  KeychainFileError,
  PROVIDER_KEYS_FILE,
  type ConsentQuestion,
  type SafeStorageLike,
} from '../../../src/main/keychain'

const KEY = 'sk-test-not-a-real-key-0123456789'

/**
 * A stand-in for Electron's safeStorage with the same methods: it "encrypts"
 * by reversing the bytes behind a prefix, and fails to decrypt anything
 * without the prefix, as safeStorage fails on bytes from another keyring.
 */
class FakeSafeStorage implements SafeStorageLike {
  constructor(
    public backend = 'gnome_libsecret',
    public available = true,
  ) {}

  isEncryptionAvailable(): boolean {
    return this.available
  }

  encryptString(plainText: string): Buffer {
    if (!this.available) throw new Error('Encryption is not available.')
    return Buffer.concat([Buffer.from('v11'), Buffer.from(plainText).reverse()])
  }

  decryptString(encrypted: Buffer): string {
    if (encrypted.subarray(0, 3).toString() !== 'v11') throw new Error('Error while decrypting')
    return Buffer.from(encrypted.subarray(3)).reverse().toString()
  }

  getSelectedStorageBackend(): string {
    return this.backend
  }
}

let folder: string
let questions: ConsentQuestion[]

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'loupe-keychain-'))
  questions = []
})

afterEach(async () => {
  await rm(folder, { recursive: true, force: true })
})

function answer(agree: boolean) {
  return async (question: ConsentQuestion) => {
    questions.push(question)
    return agree
  }
}

async function fileText(): Promise<string> {
  return readFile(join(folder, PROVIDER_KEYS_FILE), 'utf8')
}

describe('Keychain with an OS keyring', () => {
  it('stores encrypted without asking', async () => {
    const keychain = new Keychain(folder, new FakeSafeStorage(), 'linux')
    const result = await keychain.store('openai', KEY, answer(false))
    expect(result.stored).toBe(true)
    expect(questions).toEqual([])
    const text = await fileText()
    expect(text).not.toContain(KEY)
    expect(JSON.parse(text).keys.openai.protection).toBe('keychain')
    if (process.platform !== 'win32') {
      expect((await stat(join(folder, PROVIDER_KEYS_FILE))).mode & 0o777).toBe(0o600)
    }
    expect((await keychain.readAll()).keys).toEqual({ openai: KEY })
  })

  it('lists keys without their values', async () => {
    const keychain = new Keychain(folder, new FakeSafeStorage(), 'darwin')
    await keychain.store('anthropic', KEY, answer(false))
    const list = await keychain.list()
    expect(list.map((info) => [info.provider, info.storedIn])).toEqual([
      ['openai', null],
      ['anthropic', 'keychain'],
    ])
    expect(JSON.stringify(list)).not.toContain(KEY)
    expect(list[1]!.savedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
  })

  it('reports the backend on Linux only', async () => {
    const linux = await new Keychain(folder, new FakeSafeStorage('kwallet6'), 'linux').status()
    expect(linux.protection).toBe('keychain')
    expect(linux.backend).toBe('kwallet6')
    expect(linux.description).toMatch(/kwallet6 keyring/)
    const windows = await new Keychain(folder, new FakeSafeStorage(), 'win32').status()
    expect(windows.backend).toBeNull()
    expect(windows.description).toMatch(/OS keychain/)
  })

  it('deletes a key', async () => {
    const keychain = new Keychain(folder, new FakeSafeStorage(), 'linux')
    await keychain.store('openai', KEY, answer(false))
    const list = await keychain.remove('openai')
    expect(list.every((info) => info.storedIn === null)).toBe(true)
    expect(JSON.parse(await fileText()).keys).toEqual({})
    expect((await keychain.readAll()).keys).toEqual({})
  })

  it('rejects invalid keys', async () => {
    const keychain = new Keychain(folder, new FakeSafeStorage(), 'linux')
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['sk-test with space', /spaces/],
      ['sk-test\nline', /line breaks/],
      ['x'.repeat(1001), /at most 1000/],
    ]
    for (const [key, message] of cases) {
      const result = await keychain.store('openai', key, answer(true))
      expect(result.stored, JSON.stringify(key.slice(0, 20))).toBe(false)
      if (!result.stored) expect(result.message).toMatch(message)
    }
    expect(questions).toEqual([])
  })

  it('reports a key that no longer decrypts', async () => {
    const keychain = new Keychain(folder, new FakeSafeStorage(), 'linux')
    const file = {
      version: 1,
      keys: {
        openai: {
          encrypted: Buffer.from('from another keyring').toString('base64'),
          protection: 'keychain',
          savedAt: '2025-01-01T00:00:00.000Z',
        },
      },
    }
    await writeFile(join(folder, PROVIDER_KEYS_FILE), JSON.stringify(file))
    const all = await keychain.readAll()
    expect(all.keys).toEqual({})
    expect(all.problems).toHaveLength(1)
    expect(all.problems[0]).toMatch(/openai key cannot be decrypted.*store the key again/)
    expect((await keychain.list())[0]!.problem).toMatch(/cannot be decrypted/)
  })

  it('rejects a foreign file', async () => {
    await writeFile(join(folder, PROVIDER_KEYS_FILE), '{"version": 2}')
    const keychain = new Keychain(folder, new FakeSafeStorage(), 'linux')
    await expect(keychain.list()).rejects.toThrow(KeychainFileError)
    await expect(keychain.list()).rejects.toThrow(/not a Loupe provider keys file/)
  })
})

describe('Keychain on Linux without a keyring', () => {
  it('asks before storing and stores nothing on no', async () => {
    const keychain = new Keychain(folder, new FakeSafeStorage('basic_text'), 'linux')
    const status = await keychain.status()
    expect(status.protection).toBe('plaintext')
    expect(status.description).toMatch(/basic_text/)
    const result = await keychain.store('openai', KEY, answer(false))
    expect(result.stored).toBe(false)
    if (!result.stored) {
      expect(result.reason).toBe('declined')
      expect(result.message).toMatch(/no OS keyring/)
    }
    expect(questions).toHaveLength(1)
    expect(questions[0]!.protection).toBe('plaintext')
    expect(questions[0]!.detail).toMatch(/Anyone who can read your data folder/)
    await expect(fileText()).rejects.toThrow(/ENOENT/)
  })

  it('stores on yes and asks only once', async () => {
    const keychain = new Keychain(folder, new FakeSafeStorage('basic_text'), 'linux')
    expect((await keychain.store('openai', KEY, answer(true))).stored).toBe(true)
    expect((await keychain.store('anthropic', KEY, answer(false))).stored).toBe(true)
    expect(questions).toHaveLength(1)
    expect((await keychain.status()).plaintextAccepted).toBe(true)
    const list = await keychain.list()
    expect(list.map((info) => info.storedIn)).toEqual(['plaintext', 'plaintext'])
  })

  it('asks again after the last key is deleted', async () => {
    const keychain = new Keychain(folder, new FakeSafeStorage('basic_text'), 'linux')
    await keychain.store('openai', KEY, answer(true))
    await keychain.remove('openai')
    expect((await keychain.status()).plaintextAccepted).toBe(false)
    await keychain.store('openai', KEY, answer(false))
    expect(questions).toHaveLength(2)
  })

  it('treats an unknown backend as no keyring', async () => {
    const keychain = new Keychain(folder, new FakeSafeStorage('unknown'), 'linux')
    expect((await keychain.status()).protection).toBe('plaintext')
  })
})

describe('Keychain without encryption', () => {
  it('keeps an accepted key in memory only', async () => {
    const keychain = new Keychain(folder, new FakeSafeStorage('basic_text', false), 'linux')
    expect((await keychain.status()).protection).toBe('unavailable')
    const result = await keychain.store('anthropic', KEY, answer(true))
    expect(result.stored).toBe(true)
    expect(questions[0]!.protection).toBe('unavailable')
    expect(questions[0]!.confirm).toBe('Keep until Loupe quits')
    await expect(fileText()).rejects.toThrow(/ENOENT/)
    expect((await keychain.readAll()).keys).toEqual({ anthropic: KEY })
    expect((await keychain.list())[1]!.storedIn).toBe('memory')
    const fresh = new Keychain(folder, new FakeSafeStorage('basic_text', false), 'linux')
    expect((await fresh.readAll()).keys).toEqual({})
  })

  it('stores nothing on no', async () => {
    const keychain = new Keychain(folder, new FakeSafeStorage('gnome_libsecret', false), 'linux')
    const result = await keychain.store('openai', KEY, answer(false))
    expect(result.stored).toBe(false)
    if (!result.stored) expect(result.message).toMatch(/no encryption/)
    expect((await keychain.readAll()).keys).toEqual({})
  })
})

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, StoreError } from '../../../src/core/store/database'
import {
  chooseNativeBinding,
  currentRuntime,
  NativeBindingError,
  type Runtime,
} from '../../../src/main/native-binding'

const RELEASE = join('node_modules', 'better-sqlite3', 'build', 'Release')
const repositoryRoot = resolve(import.meta.dirname, '../../..')

let root: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'loupe-binding-'))
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

/** Writes a `.forge-meta` marker into the better-sqlite3 Release folder under `base`. */
async function writeMarker(base: string, text: string): Promise<string> {
  const folder = join(base, RELEASE)
  await mkdir(folder, { recursive: true })
  await writeFile(join(folder, '.forge-meta'), text)
  return folder
}

function electron(overrides: Partial<Runtime> = {}): Runtime {
  return {
    electronVersion: '40.10.2',
    abi: '143',
    moduleRoot: join(root, 'resources', 'app.asar.unpacked'),
    ...overrides,
  }
}

function node(overrides: Partial<Runtime> = {}): Runtime {
  return {
    electronVersion: undefined,
    abi: '115',
    moduleRoot: root,
    ...overrides,
  }
}

describe('chooseNativeBinding under Electron', () => {
  it('loads the unpacked Electron build', async () => {
    const folder = await writeMarker(
      join(root, 'resources', 'app.asar.unpacked'),
      'linux--x64--143',
    )
    expect(chooseNativeBinding(electron())).toBe(join(folder, 'better_sqlite3.node'))
  })

  it('accepts the older marker format', async () => {
    const folder = await writeMarker(join(root, 'resources', 'app.asar.unpacked'), 'x64--143\n')
    expect(chooseNativeBinding(electron())).toBe(join(folder, 'better_sqlite3.node'))
  })

  it('rejects a binary of another ABI', async () => {
    await writeMarker(join(root, 'resources', 'app.asar.unpacked'), 'linux--x64--115')
    const choose = () => chooseNativeBinding(electron())
    expect(choose).toThrow(NativeBindingError)
    expect(choose).toThrow(/built for ABI 115, but Electron 40\.10\.2 needs ABI 143/)
  })

  it('rejects a missing marker', () => {
    const choose = () => chooseNativeBinding(electron())
    expect(choose).toThrow(/\.forge-meta is missing, so the ABI .* is unknown/)
    expect(choose).toThrow(/needs ABI 143/)
  })

  it('rejects an unreadable marker', async () => {
    await writeMarker(join(root, 'resources', 'app.asar.unpacked'), 'garbage')
    expect(() => chooseNativeBinding(electron())).toThrow(/\.forge-meta is invalid/)
  })
})

describe('chooseNativeBinding under Node', () => {
  it('uses the default build', () => {
    expect(chooseNativeBinding(node())).toBeUndefined()
  })

  it('accepts a marker of the same ABI', async () => {
    await writeMarker(root, 'linux--x64--115')
    expect(chooseNativeBinding(node())).toBeUndefined()
  })

  it('rejects a build rebuilt for Electron', async () => {
    await writeMarker(root, 'linux--x64--143')
    const choose = () => chooseNativeBinding(node())
    expect(choose).toThrow(/rebuilt for ABI 143 \(Electron\), but Node .* needs ABI 115/)
    expect(choose).toThrow(/npm rebuild better-sqlite3/)
  })

  it('rejects a missing marker in development', () => {
    const choose = () => chooseNativeBinding(electron({ moduleRoot: root }))
    expect(choose).toThrow(/\.forge-meta is missing/)
    expect(choose).toThrow(/npx electron-builder install-app-deps/)
  })

  it('accepts this checkout', () => {
    expect(chooseNativeBinding(currentRuntime(repositoryRoot))).toBeUndefined()
  })
})

describe('openDatabase nativeBinding option', () => {
  it('opens with an explicit binary', () => {
    const binary = join(repositoryRoot, RELEASE, 'better_sqlite3.node')
    const db = openDatabase(root, { nativeBinding: binary })
    try {
      const row = db.prepare('SELECT sqlite_version() AS version').get() as { version: string }
      expect(row.version).toMatch(/^3\./)
    } finally {
      db.close()
    }
  })

  it('fails clearly on a missing binary', () => {
    const binary = join(root, 'missing', 'better_sqlite3.node')
    const open = () => openDatabase(root, { nativeBinding: binary })
    expect(open).toThrow(StoreError)
    expect(open).toThrow(/cannot open the store .*loupe\.sqlite/)
  })
})

// The PATH offer on temporary folders. On Linux and macOS the installed link
// is also run. A copy of the packaged layout, with this Node as its "Electron
// binary" and this repository as its app.asar, runs the launcher script
// through the link, which must print the version of the built CLI.

import { execFile } from 'node:child_process'
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  installCommand,
  launcherScript,
  planCommandInstall,
  windowsShim,
  type InstallContext,
} from '../../../src/main/command-install'
import { repoRoot } from '../../helpers/core'

const execFileAsync = promisify(execFile)
const posix = process.platform !== 'win32'

let root: string
let context: InstallContext

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'loupe-command-'))
  await mkdir(join(root, 'usr-local-bin'))
  await mkdir(join(root, 'home'))
  context = {
    platform: 'linux',
    homeDir: join(root, 'home'),
    pathEnv: ['/usr/bin', join(root, 'usr-local-bin')].join(':'),
    systemBinDir: join(root, 'usr-local-bin'),
    localAppData: null,
    appImage: null,
    resourcesDir: join(root, 'app', 'resources'),
    executable: join(root, 'app', 'loupe-desktop'),
  }
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

describe.runIf(posix)('planCommandInstall on Linux and macOS', () => {
  it('links into a writable system folder', async () => {
    const plan = await planCommandInstall(context)
    expect(plan).toEqual({
      kind: 'symlink',
      link: join(root, 'usr-local-bin', 'loupe'),
      target: join(root, 'app', 'resources', 'bin', 'loupe'),
      onPath: true,
      note: null,
    })
  })

  it('falls back to ~/.local/bin', async () => {
    // A system folder under a regular file cannot be created, even by root.
    await writeFile(join(root, 'not-a-folder'), '')
    const plan = await planCommandInstall({
      ...context,
      systemBinDir: join(root, 'not-a-folder', 'bin'),
    })
    expect(plan.kind).toBe('symlink')
    if (plan.kind !== 'symlink') return
    expect(plan.link).toBe(join(root, 'home', '.local', 'bin', 'loupe'))
    expect(plan.onPath).toBe(false)
    expect(plan.note).toContain('export PATH="$HOME/.local/bin:$PATH"')
    const message = await installCommand(plan)
    expect(message).toMatch(/^Installed .*\.local\/bin\/loupe, a link to .*resources\/bin\/loupe\./)
    expect(message).toContain('is not on your PATH')
  })

  it('leaves another program alone', async () => {
    await writeFile(join(root, 'usr-local-bin', 'loupe'), '#!/bin/sh\necho other\n')
    const plan = await planCommandInstall(context)
    expect(plan.kind).toBe('symlink')
    if (plan.kind !== 'symlink') return
    expect(plan.link).toBe(join(root, 'home', '.local', 'bin', 'loupe'))
    expect(await readFile(join(root, 'usr-local-bin', 'loupe'), 'utf8')).toContain('echo other')
  })

  it('says when every place is taken', async () => {
    await writeFile(join(root, 'usr-local-bin', 'loupe'), 'other')
    await mkdir(join(root, 'home', '.local', 'bin'), { recursive: true })
    await symlink('/somewhere/else', join(root, 'home', '.local', 'bin', 'loupe'))
    const plan = await planCommandInstall(context)
    expect(plan.kind).toBe('unavailable')
    if (plan.kind !== 'unavailable') return
    expect(plan.reason).toContain(`${join(root, 'usr-local-bin', 'loupe')} already exists`)
    expect(plan.reason).toContain(`${join(root, 'home', '.local', 'bin', 'loupe')} already exists`)
    expect(plan.reason).toContain("sudo ln -s '")
  })

  it('says when no folder can be written', async () => {
    await writeFile(join(root, 'not-a-folder'), '')
    const plan = await planCommandInstall({
      ...context,
      systemBinDir: join(root, 'not-a-folder', 'bin'),
      homeDir: join(root, 'not-a-folder', 'home'),
    })
    expect(plan.kind).toBe('unavailable')
    if (plan.kind !== 'unavailable') return
    expect(plan.reason).toMatch(
      /not-a-folder\/bin and .*not-a-folder\/home\/\.local\/bin cannot be written\./,
    )
  })

  it('recognizes its own link', async () => {
    const first = await planCommandInstall(context)
    if (first.kind !== 'symlink') throw new Error(`expected a symlink plan, got ${first.kind}`)
    await installCommand(first)
    const second = await planCommandInstall(context)
    expect(second).toEqual({
      kind: 'installed',
      path: join(root, 'usr-local-bin', 'loupe'),
      note: null,
    })
  })

  it('warns about a loupe earlier on PATH', async () => {
    const earlier = join(root, 'earlier')
    await mkdir(earlier)
    await writeFile(join(earlier, 'loupe'), '#!/bin/sh\n', { mode: 0o755 })
    const plan = await planCommandInstall({
      ...context,
      pathEnv: [earlier, join(root, 'usr-local-bin')].join(':'),
    })
    expect(plan.kind).toBe('symlink')
    if (plan.kind === 'symlink') {
      expect(plan.note).toBe(
        `Another loupe command, ${join(earlier, 'loupe')}, comes first on your PATH and runs instead of this one.`,
      )
    }
  })

  it('declines inside an AppImage', async () => {
    const plan = await planCommandInstall({ ...context, appImage: '/home/u/Loupe.AppImage' })
    expect(plan.kind).toBe('unavailable')
    if (plan.kind === 'unavailable') expect(plan.reason).toMatch(/deb package/)
  })

  it('runs the CLI through the installed link', async () => {
    // The packaged layout: resources/bin/loupe, resources/app.asar, and the
    // executable next to resources. Node takes the place of Electron, which
    // runs the script as Node under ELECTRON_RUN_AS_NODE=1.
    const resources = context.resourcesDir
    await mkdir(join(resources, 'bin'), { recursive: true })
    await copyFile(join(repoRoot, 'resources/bin/loupe'), launcherScript(resources))
    await chmod(launcherScript(resources), 0o755)
    await symlink(repoRoot, join(resources, 'app.asar'))
    await symlink(repoRoot, join(resources, 'app.asar.unpacked'))
    await symlink(process.execPath, context.executable)
    const plan = await planCommandInstall(context)
    if (plan.kind !== 'symlink') throw new Error(`expected a symlink plan, got ${plan.kind}`)
    await installCommand(plan)

    const version = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')).version
    const { stdout } = await execFileAsync(plan.link, ['--version'])
    expect(stdout.trim()).toBe(version)

    // A command that opens the store loads better-sqlite3 from app.asar.unpacked.
    const dataDir = join(root, 'data')
    const demo = join(repoRoot, 'resources/demo/run-1.json')
    await execFileAsync(plan.link, ['import', demo, '--data', dataDir])
    const listed = await execFileAsync(plan.link, ['traces', '--json', '--data', dataDir])
    const traces = JSON.parse(listed.stdout) as { rootName: string }[]
    expect(traces).toHaveLength(1)
  })
})

const LOCAL_APP_DATA = 'C:\\Users\\someone\\AppData\\Local'

describe('planCommandInstall on Windows', () => {
  const windows = (): InstallContext => ({
    ...context,
    platform: 'win32',
    localAppData: process.platform === 'win32' ? join(root, 'LocalAppData') : LOCAL_APP_DATA,
    pathEnv: 'C:\\Windows\\system32;C:\\Windows',
    resourcesDir: 'C:\\Program Files\\Loupe\\resources',
    executable: 'C:\\Program Files\\Loupe\\Loupe.exe',
  })

  it('plans a shim in the user folder', async () => {
    const plan = await planCommandInstall(windows())
    expect(plan.kind).toBe('shim')
    if (plan.kind !== 'shim') return
    expect(plan.file).toMatch(/Local(AppData)?\\Loupe\\bin\\loupe\.cmd$/)
    expect(plan.onPath).toBe(false)
    expect(plan.note).toContain('is not on your PATH')
    expect(plan.note).toContain("[Environment]::SetEnvironmentVariable('Path'")
  })

  it('knows a folder already on PATH', async () => {
    const folder = `${windows().localAppData}\\Loupe\\bin`
    const plan = await planCommandInstall({
      ...windows(),
      pathEnv: `C:\\Windows;${folder.toUpperCase()}\\`,
    })
    expect(plan.kind).toBe('shim')
    if (plan.kind === 'shim') {
      expect(plan.onPath).toBe(true)
      expect(plan.note).toBeNull()
    }
  })

  // Elsewhere the shim's Windows path would be a file name with backslashes in the working folder.
  it.runIf(process.platform === 'win32')('writes the shim and then finds it', async () => {
    const plan = await planCommandInstall(windows())
    if (plan.kind !== 'shim') throw new Error(`expected a shim plan, got ${plan.kind}`)
    await installCommand(plan)
    expect(await readFile(plan.file, 'utf8')).toBe(plan.contents)
    const again = await planCommandInstall(windows())
    expect(again.kind).toBe('installed')
  })
})

describe('windowsShim', () => {
  it('runs the bundled CLI as Node', () => {
    const shim = windowsShim(
      'C:\\Program Files\\Loupe\\Loupe.exe',
      'C:\\Program Files\\Loupe\\resources',
    )
    const lines = shim.split('\r\n')
    expect(lines[0]).toBe('@echo off')
    expect(lines).toContain('set ELECTRON_RUN_AS_NODE=1')
    expect(lines).toContain(
      '"C:\\Program Files\\Loupe\\Loupe.exe" "C:\\Program Files\\Loupe\\resources\\app.asar\\out\\main\\cli.js" %*',
    )
    expect(lines).toContain(
      'set "LOUPE_SQLITE_NATIVE_BINDING=C:\\Program Files\\Loupe\\resources\\app.asar.unpacked\\node_modules\\better-sqlite3\\build\\Release\\better_sqlite3.node"',
    )
  })

  it('doubles percent signs', () => {
    const shim = windowsShim('C:\\100%\\Loupe.exe', 'C:\\100%\\resources')
    expect(shim).toContain('"C:\\100%%\\Loupe.exe"')
    expect(shim).not.toMatch(/100%\\/)
  })
})

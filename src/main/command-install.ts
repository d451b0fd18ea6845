// The offer to put the `loupe` command on the PATH, pointing at the CLI
// bundled in the installed app. On Linux and macOS the command is a symlink
// to the app's launcher script (resources/bin/loupe), in /usr/local/bin when
// it is writable and in ~/.local/bin otherwise. On Windows it is a .cmd shim
// in the user's own Loupe folder, plus a note on adding that folder to PATH,
// because changing PATH needs the registry and a new terminal.
//
// The folders are passed in, so that Node tests run this module on
// temporary folders.

import { constants } from 'node:fs'
import {
  access,
  lstat,
  mkdir,
  readFile,
  readlink,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { delimiter as posixDelimiter, dirname, join, resolve } from 'node:path'
import { win32 } from 'node:path'

export interface InstallContext {
  platform: NodeJS.Platform
  homeDir: string
  /** The PATH environment variable. */
  pathEnv: string
  /** The folder for all users: /usr/local/bin outside tests. */
  systemBinDir: string
  /** %LOCALAPPDATA%, on Windows; null elsewhere. */
  localAppData: string | null
  /** process.env.APPIMAGE: the AppImage file the app runs from, or null. */
  appImage: string | null
  /** The app's resources folder (process.resourcesPath). */
  resourcesDir: string
  /** The app's executable (process.execPath). */
  executable: string
}

export type CommandPlan =
  /** Link `link` to the launcher script `target`. */
  | {
      kind: 'symlink'
      link: string
      target: string
      /** True when the link's folder is on PATH. */
      onPath: boolean
      /** Advice for the user, such as a PATH change or another loupe that comes first; null when there is none. */
      note: string | null
    }
  /** Write the Windows shim `file`. */
  | { kind: 'shim'; file: string; contents: string; onPath: boolean; note: string | null }
  /** `path` already runs this app's CLI. */
  | { kind: 'installed'; path: string; note: string | null }
  | { kind: 'unavailable'; reason: string }

export const COMMAND_NAME = 'loupe'

/** Returns the path of the launcher script inside the app's resources folder. */
export function launcherScript(resourcesDir: string): string {
  return join(resourcesDir, 'bin', COMMAND_NAME)
}

/** Decides where the command goes, without changing anything. */
export async function planCommandInstall(context: InstallContext): Promise<CommandPlan> {
  if (context.appImage !== null) {
    return {
      kind: 'unavailable',
      reason:
        `Loupe runs from the AppImage ${context.appImage}, whose files are mounted at a new ` +
        'place at every start, so a command cannot point into it. Install the deb package to ' +
        'get the loupe command.',
    }
  }
  if (context.platform === 'win32') return planWindowsShim(context)
  return planSymlink(context)
}

/** Carries out a plan of kind `symlink` or `shim` and returns what to tell the user. */
export async function installCommand(
  plan: Extract<CommandPlan, { kind: 'symlink' | 'shim' }>,
): Promise<string> {
  if (plan.kind === 'symlink') {
    await mkdir(dirname(plan.link), { recursive: true })
    await symlink(plan.target, plan.link)
    return withNote(`Installed ${plan.link}, a link to ${plan.target}.`, plan.note)
  }
  await mkdir(win32.dirname(plan.file), { recursive: true })
  await writeFile(plan.file, plan.contents)
  return withNote(`Installed ${plan.file}.`, plan.note)
}

async function planSymlink(context: InstallContext): Promise<CommandPlan> {
  const target = launcherScript(context.resourcesDir)
  const userBinDir = join(context.homeDir, '.local', 'bin')
  const occupied: string[] = []
  const unwritable: string[] = []
  for (const folder of [context.systemBinDir, userBinDir]) {
    const link = join(folder, COMMAND_NAME)
    const existing = await linkTarget(link)
    if (existing === 'missing') {
      if (!(await canCreateIn(folder))) {
        unwritable.push(folder)
        continue
      }
      const onPath = isOnPath(folder, context.pathEnv, posixDelimiter, false)
      return {
        kind: 'symlink',
        link,
        target,
        onPath,
        note: await symlinkNote(folder, userBinDir, onPath, context),
      }
    }
    if (existing !== null && resolve(folder, existing) === target) {
      return { kind: 'installed', path: link, note: await shadowNote(link, context) }
    }
    occupied.push(link)
  }
  const problems: string[] = []
  for (const link of occupied) {
    problems.push(`${link} already exists and is not Loupe's, so Loupe leaves it alone.`)
  }
  if (unwritable.length > 0) problems.push(`${unwritable.join(' and ')} cannot be written.`)
  const manual = `sudo ln -s '${target}' ${join(context.systemBinDir, COMMAND_NAME)}`
  return {
    kind: 'unavailable',
    reason: `${problems.join(' ')} To install the command by hand, run: ${manual}`,
  }
}

async function symlinkNote(
  folder: string,
  userBinDir: string,
  onPath: boolean,
  context: InstallContext,
): Promise<string | null> {
  if (!onPath) {
    const folderInProfile = folder === userBinDir ? '$HOME/.local/bin' : folder
    return (
      `${folder} is not on your PATH. Add this line to your shell's profile ` +
      `(~/.profile, ~/.zshrc): export PATH="${folderInProfile}:$PATH"`
    )
  }
  return shadowNote(join(folder, COMMAND_NAME), context)
}

/** Says when another `loupe` comes before `link` on PATH, or returns null. */
async function shadowNote(link: string, context: InstallContext): Promise<string | null> {
  const first = await firstOnPath(context.pathEnv, posixDelimiter, [COMMAND_NAME])
  if (first === null || first === link) return null
  return `Another loupe command, ${first}, comes first on your PATH and runs instead of this one.`
}

async function planWindowsShim(context: InstallContext): Promise<CommandPlan> {
  const base = context.localAppData ?? win32.join(context.homeDir, 'AppData', 'Local')
  const folder = win32.join(base, 'Loupe', 'bin')
  const file = win32.join(folder, `${COMMAND_NAME}.cmd`)
  const contents = windowsShim(context.executable, context.resourcesDir)
  const onPath = isOnPath(folder, context.pathEnv, ';', true)
  const note = onPath
    ? null
    : `${folder} is not on your PATH. Add it under Settings > System > About > Advanced system ` +
      'settings > Environment Variables (user variable Path), or in PowerShell run: ' +
      `[Environment]::SetEnvironmentVariable('Path', [Environment]::GetEnvironmentVariable('Path', 'User') + ';${folder}', 'User'). ` +
      'Then open a new terminal.'
  if ((await readTextOrNull(file)) === contents) return { kind: 'installed', path: file, note }
  return { kind: 'shim', file, contents, onPath, note }
}

/**
 * Returns the .cmd shim that runs the bundled CLI with the app's Electron
 * binary acting as Node. `%` is doubled because cmd expands it even in
 * quotes.
 */
export function windowsShim(executable: string, resourcesDir: string): string {
  const escape = (path: string) => path.replaceAll('%', '%%')
  const binding = win32.join(
    resourcesDir,
    'app.asar.unpacked',
    'node_modules',
    'better-sqlite3',
    'build',
    'Release',
    'better_sqlite3.node',
  )
  const cli = win32.join(resourcesDir, 'app.asar', 'out', 'main', 'cli.js')
  return [
    '@echo off',
    'rem The loupe command of the Loupe desktop app: its Electron binary runs the bundled CLI as Node.',
    'setlocal',
    'set ELECTRON_RUN_AS_NODE=1',
    `set "LOUPE_SQLITE_NATIVE_BINDING=${escape(binding)}"`,
    `"${escape(executable)}" "${escape(cli)}" %*`,
    'exit /b %ERRORLEVEL%',
    '',
  ].join('\r\n')
}

/** Returns the target of the symlink `path`, 'missing' when nothing is there, null for a file that is no symlink. */
async function linkTarget(path: string): Promise<string | 'missing' | null> {
  try {
    const info = await lstat(path)
    return info.isSymbolicLink() ? await readlink(path) : null
  } catch (error) {
    // ENOTDIR: a part of the folder's path is a file, so nothing can be there.
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing'
    throw error
  }
}

/** True when `folder` exists and is writable, or can be created inside a writable parent. */
async function canCreateIn(folder: string): Promise<boolean> {
  let existing = folder
  for (;;) {
    try {
      const info = await stat(existing)
      if (!info.isDirectory()) return false
      await access(existing, constants.W_OK)
      return true
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT') return false
      const parent = dirname(existing)
      if (parent === existing) return false
      existing = parent
    }
  }
}

function isOnPath(
  folder: string,
  pathEnv: string,
  delimiter: string,
  caseInsensitive: boolean,
): boolean {
  const normalize = (path: string) => {
    const trimmed = path.replace(/[\\/]+$/, '')
    return caseInsensitive ? trimmed.toLowerCase() : trimmed
  }
  return pathEnv
    .split(delimiter)
    .filter((entry) => entry !== '')
    .some((entry) => normalize(entry) === normalize(folder))
}

/** Returns the first executable of one of `names` in the PATH folders, or null. */
async function firstOnPath(
  pathEnv: string,
  delimiter: string,
  names: string[],
): Promise<string | null> {
  for (const folder of pathEnv.split(delimiter).filter((entry) => entry !== '')) {
    for (const name of names) {
      const candidate = join(folder, name)
      try {
        await access(candidate, constants.X_OK)
        return candidate
      } catch {
        // Not here: try the next folder.
      }
    }
  }
  return null
}

async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

function withNote(message: string, note: string | null): string {
  return note === null ? message : `${message} ${note}`
}

import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * The per-user data folder shared by the desktop app and the CLI, unless
 * `--data DIR` or LOUPE_DATA_DIR names another.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnvironment = dataDirFromEnvironment(env)
  if (fromEnvironment !== undefined) return fromEnvironment
  const home = homedir()
  switch (process.platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Loupe')
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Loupe')
    default:
      return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'loupe')
  }
}

/**
 * Returns LOUPE_DATA_DIR, or undefined when it is unset, empty or only
 * whitespace, which names no folder and so counts as unset.
 */
export function dataDirFromEnvironment(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.LOUPE_DATA_DIR
  return value === undefined || value.trim() === '' ? undefined : value
}

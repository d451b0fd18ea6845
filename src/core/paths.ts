import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * The per-user data folder shared by the desktop app and the CLI, unless
 * `--data DIR` or LOUPE_DATA_DIR names another.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LOUPE_DATA_DIR) return env.LOUPE_DATA_DIR
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

// The choice of better-sqlite3's native binary. Node and Electron have
// different ABIs (process.versions.modules), and loading a binary built for
// the other one fails or crashes. So the CLI and the tests keep npm's Node
// build, and the packaged app loads a copy that electron-builder rebuilt for
// Electron, unpacked from the asar archive, through better-sqlite3's
// `nativeBinding` option.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The binary's folder inside better-sqlite3's package. */
const RELEASE_FOLDER = join('node_modules', 'better-sqlite3', 'build', 'Release')
const BINARY = 'better_sqlite3.node'
/**
 * The marker that @electron/rebuild (4.x, used by electron-builder 26)
 * writes next to a module it rebuilt: `<platform>--<arch>--<abi>`, or
 * `<arch>--<abi>` in older versions.
 */
const ABI_MARKER = '.forge-meta'

/** The facts about the running process that decide the binary. */
export interface Runtime {
  /** `process.versions.electron`, undefined under Node. */
  electronVersion: string | undefined
  /** `process.versions.modules`: the ABI version native modules must be built for. */
  abi: string
  /**
   * Folder whose node_modules contains better-sqlite3: `<resources>/app.asar.unpacked`
   * in the packaged app, the package's own folder in development and under Node.
   */
  moduleRoot: string
}

/** Undefined is better-sqlite3's default lookup, a string the path of the binary to load. */
export type NativeBinding = string | undefined

export class NativeBindingError extends Error {
  override name = 'NativeBindingError'
}

/**
 * Returns the `nativeBinding` option for better-sqlite3 in `runtime`. Under
 * Electron it is the unpacked binary in the app's resources. Under Node it
 * is the default, checked against an ABI marker when there is one (after
 * a rebuild for Electron in place). Throws NativeBindingError, naming both
 * ABIs, when the binary's ABI is not the runtime's or cannot be read.
 */
export function chooseNativeBinding(runtime: Runtime): NativeBinding {
  const folder = join(runtime.moduleRoot, RELEASE_FOLDER)
  const markerText = readTextOrNull(join(folder, ABI_MARKER))
  const built = markerAbi(markerText)
  if (runtime.electronVersion === undefined) {
    // No marker: npm built the binary for this Node, as `npm ci` does.
    if (built !== null && built !== runtime.abi) {
      throw new NativeBindingError(
        `${join(folder, BINARY)} was rebuilt for ABI ${built} (Electron), but Node ` +
          `${process.versions.node} needs ABI ${runtime.abi}. Run \`npm rebuild better-sqlite3\` ` +
          'to build it for Node again.',
      )
    }
    return undefined
  }
  if (built === null) {
    throw new NativeBindingError(
      `${join(folder, ABI_MARKER)} is ${markerText === null ? 'missing' : 'invalid'}, so the ABI ` +
        `of ${join(folder, BINARY)} is unknown; Electron ${runtime.electronVersion} needs ABI ` +
        `${runtime.abi}. Package the app with electron-builder (in development, run ` +
        '`npx electron-builder install-app-deps`), which rebuilds better-sqlite3 for Electron ' +
        'and writes the marker.',
    )
  }
  if (built !== runtime.abi) {
    throw new NativeBindingError(
      `${join(folder, BINARY)} was built for ABI ${built}, but Electron ` +
        `${runtime.electronVersion} needs ABI ${runtime.abi}. Package the app again with ` +
        'electron-builder so that better-sqlite3 is rebuilt for this Electron.',
    )
  }
  return join(folder, BINARY)
}

/** Returns the running process's facts for chooseNativeBinding. */
export function currentRuntime(moduleRoot: string): Runtime {
  return {
    electronVersion: process.versions.electron,
    abi: process.versions.modules,
    moduleRoot,
  }
}

/** Returns the ABI at the end of a `.forge-meta` marker, or null when there is none. */
function markerAbi(text: string | null): string | null {
  if (text === null) return null
  const abi = text.trim().split('--').at(-1) ?? ''
  return /^[0-9]+$/.test(abi) ? abi : null
}

function readTextOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

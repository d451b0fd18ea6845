import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: { root: string; version: string } | null = null

/**
 * Find Loupe's package folder (where resources/ and the built renderer live)
 * by walking up from this module, which works from the sources, from the
 * bundle in out/ and from an installed package alike.
 */
function locate(): { root: string; version: string } {
  if (cached) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string
        version?: string
      }
      if (parsed.name === 'loupe-desktop') {
        cached = { root: dir, version: parsed.version ?? '0.0.0' }
        return cached
      }
    }
    const parent = dirname(dir)
    if (parent === dir)
      throw new Error('cannot find the loupe-desktop package folder above this module')
    dir = parent
  }
}

export function packageRoot(): string {
  return locate().root
}

export function loupeVersion(): string {
  return locate().version
}

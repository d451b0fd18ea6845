// The hand-off from a second launch of Loupe to the first one, which holds
// the single-instance lock: the second launch's command line may carry a deep
// link (Windows and Linux pass `loupe://` URLs as arguments) or a file opened
// from the file manager, and the first instance acts on it.

import { isAbsolute, resolve } from 'node:path'
import { DEEP_LINK_SCHEME, parseDeepLink, type DeepLink } from './deep-link'

/** What a file opened with Loupe contains, judged by its name. */
export type ImportKind = 'otlp-json' | 'cassette'

export type HandOff =
  | { action: 'focus' }
  | { action: 'open-route'; link: DeepLink }
  | { action: 'import-file'; path: string; kind: ImportKind }

export interface HandOffDecision {
  handOff: HandOff
  /** Arguments that looked like a deep link or a file but were rejected, with the reason. */
  rejected: string[]
}

/**
 * Decides what the first instance does for a second launch with `argv`
 * (`process.argv` of that launch, as the `second-instance` event passes it).
 * The first deep link or openable file wins, relative paths resolve against
 * `workingDirectory`, and without either the first instance only focuses its
 * window. Options (`-x`, `--x`) are skipped.
 */
export function decideHandOff(argv: readonly string[], workingDirectory: string): HandOffDecision {
  const rejected: string[] = []
  // argv[0] is the executable; in development argv[1] is the app folder, which never ends in .json.
  for (const argument of argv.slice(1)) {
    if (argument.startsWith('-')) continue
    if (argument.toLowerCase().startsWith(`${DEEP_LINK_SCHEME}:`)) {
      const handOff = handOffForUrl(argument)
      if (handOff.action === 'open-route') return { handOff, rejected }
      rejected.push(`${argument}: ${handOff.reason}`)
      continue
    }
    const kind = importKindOf(argument)
    if (kind !== null) {
      const path = isAbsolute(argument) ? argument : resolve(workingDirectory, argument)
      return { handOff: { action: 'import-file', path, kind }, rejected }
    }
  }
  return { handOff: { action: 'focus' }, rejected }
}

/** The hand-off for a URL from the `open-url` event (macOS) or the command line. */
export function handOffForUrl(
  url: string,
): { action: 'open-route'; link: DeepLink } | { action: 'reject'; reason: string } {
  const parse = parseDeepLink(url)
  if (!parse.ok) return { action: 'reject', reason: parse.reason }
  return { action: 'open-route', link: parse.link }
}

/**
 * Returns what a file contains judged by its name: `.otlp.json` is an OTLP/JSON
 * trace export, any other `.json` a cassette. Returns null for other names.
 */
export function importKindOf(path: string): ImportKind | null {
  const name = path.toLowerCase()
  if (name.endsWith('.otlp.json')) return 'otlp-json'
  if (name.endsWith('.json')) return 'cassette'
  return null
}

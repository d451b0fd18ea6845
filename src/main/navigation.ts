// The rules for where the window may go. It shows only the core's UI, so a
// navigation within the UI's origin is allowed, an http(s) link to any other
// origin opens in the system browser, and everything else (file:, data:,
// javascript:, other apps' URL schemes) is denied.

export type NavigationDecision = 'allow' | 'open-external' | 'deny'

/** Decides a `will-navigate` of the window to `url` while it shows the UI at `uiOrigin`. */
export function decideNavigation(url: string, uiOrigin: string): NavigationDecision {
  const target = parse(url)
  if (target === null) return 'deny'
  if (target.origin === parse(uiOrigin)?.origin) return 'allow'
  return isWebUrl(target) ? 'open-external' : 'deny'
}

/**
 * Decides a `window.open` or a link with `target=_blank`. The app has one
 * window, so a UI page never opens in a second one: such requests are
 * denied, and http(s) URLs of other origins open in the system browser.
 */
export function decideWindowOpen(url: string, uiOrigin: string): 'open-external' | 'deny' {
  const decision = decideNavigation(url, uiOrigin)
  return decision === 'open-external' ? 'open-external' : 'deny'
}

function isWebUrl(url: URL): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  // A user name in the link can disguise its host (https://trusted.example@other.example/).
  return url.username === '' && url.password === ''
}

function parse(url: string): URL | null {
  try {
    return new URL(url)
  } catch {
    return null
  }
}

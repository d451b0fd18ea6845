// The window's own copy of the UI's Content-Security-Policy. The core's
// server already sends it; setting it again on every response the window
// loads keeps the policy in force even if a response came without it.

import { CONTENT_SECURITY_POLICY } from '../shared/csp'

/** Returns `headers` with the UI's policy in place of any Content-Security-Policy the server sent. */
export function withContentSecurityPolicy(
  headers: Record<string, string[]> | undefined,
): Record<string, string[]> {
  const kept: Record<string, string[]> = {}
  for (const [name, values] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') kept[name] = values
  }
  kept['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY]
  return kept
}

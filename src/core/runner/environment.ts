// The environment of a run's command: the caller's own environment plus the
// variables from RunService.start. `loupe run` and the playground both build
// it here, so that an agent gets the same variables however it was started.

import type { GatewayMode } from '../gateway/types'

/** Merge OTEL_RESOURCE_ATTRIBUTES, keeping the user's own attributes. */
export function mergeResourceAttributes(existing: string | undefined, ours: string): string {
  return existing && existing.trim() !== '' ? `${existing},${ours}` : ours
}

/**
 * Returns `base` with the run's variables added. In live mode the agent keeps
 * talking to its real provider directly, with the keys and base URLs of
 * `base`, so the run's OPENAI_* and ANTHROPIC_* variables are left out.
 */
export function commandEnvironment(
  base: NodeJS.ProcessEnv,
  runEnv: Record<string, string>,
  mode: GatewayMode,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base }
  // Per-signal OTLP settings take precedence over OTEL_EXPORTER_OTLP_ENDPOINT in the SDKs, so
  // ones inherited from the shell would send the run's telemetry elsewhere.
  for (const key of Object.keys(env)) {
    if (/^OTEL_EXPORTER_OTLP_(TRACES|LOGS|METRICS)_(ENDPOINT|PROTOCOL)$/.test(key)) delete env[key]
  }
  for (const [key, value] of Object.entries(runEnv)) {
    if (mode === 'live' && /^(OPENAI|ANTHROPIC)_/.test(key)) continue
    env[key] =
      key === 'OTEL_RESOURCE_ATTRIBUTES' ? mergeResourceAttributes(base[key], value) : value
  }
  return env
}

// Provider keys that the desktop app hands to its core from the OS keychain.
// They live in this process's memory only: never in a file, a log or the
// environment of the agents that the core starts.

import type { ProviderId, ProviderKeySource } from '../../shared/settings'

const KEY_VARIABLES: Record<ProviderId, string> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
}

export class ProviderKeys {
  private keys: Partial<Record<ProviderId, string>> = {}

  /** Replaces every key; a provider left out has no key from the app any more. */
  replace(keys: Partial<Record<ProviderId, string>>): void {
    const next: Partial<Record<ProviderId, string>> = {}
    for (const provider of Object.keys(KEY_VARIABLES) as ProviderId[]) {
      const key = keys[provider]
      if (typeof key === 'string' && key !== '') next[provider] = key
    }
    this.keys = next
  }

  /**
   * Returns a copy of `env` in which each key from the app replaces the
   * provider's key variable, for resolving a record run's upstreams.
   */
  overlay(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const merged = { ...env }
    for (const [provider, key] of Object.entries(this.keys)) {
      merged[KEY_VARIABLES[provider as ProviderId]] = key
    }
    return merged
  }

  /** Returns where the gateway finds each provider's key: the app's keys win over `env`. */
  sources(env: NodeJS.ProcessEnv): Record<ProviderId, ProviderKeySource> {
    const source = (provider: ProviderId): ProviderKeySource =>
      this.keys[provider] !== undefined
        ? 'app'
        : env[KEY_VARIABLES[provider]]
          ? 'environment'
          : null
    return { openai: source('openai'), anthropic: source('anthropic') }
  }
}

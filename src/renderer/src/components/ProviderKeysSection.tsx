import { useEffect, useState, type FormEvent } from 'react'
import type { KeychainStatus, LoupeBridge, ProviderKeyInfo } from '../../../shared/ipc'
import type { ProviderId, ProviderKeySource } from '../../../shared/settings'
import { errorMessage } from '../api'

const PROVIDERS: { id: ProviderId; name: string; variable: string }[] = [
  { id: 'openai', name: 'OpenAI', variable: 'OPENAI_API_KEY' },
  { id: 'anthropic', name: 'Anthropic', variable: 'ANTHROPIC_API_KEY' },
]

/**
 * Provider keys for record runs. In the desktop app they are stored through
 * the preload in the OS keychain; in a browser the page can only show
 * whether `loupe serve` found them in its environment.
 */
export function ProviderKeysSection({
  sources,
}: {
  sources: Record<ProviderId, ProviderKeySource>
}) {
  return (
    <section className="settings-section" aria-labelledby="settings-provider-keys">
      <h2 id="settings-provider-keys">Provider keys</h2>
      {window.loupe === undefined ? (
        <EnvironmentKeys sources={sources} />
      ) : (
        <KeychainKeys bridge={window.loupe} />
      )}
    </section>
  )
}

function EnvironmentKeys({ sources }: { sources: Record<ProviderId, ProviderKeySource> }) {
  return (
    <div data-testid="provider-keys-browser">
      <p className="muted">
        In a browser, Loupe takes provider keys from the environment of <code>loupe serve</code>:
        set <code>OPENAI_API_KEY</code> or <code>ANTHROPIC_API_KEY</code> in the shell that starts
        it, then start it again. Record runs send their model calls to the provider with these keys.
        The desktop app can store keys in the OS keychain instead.
      </p>
      <ul className="provider-key-list">
        {PROVIDERS.map((provider) => (
          <li key={provider.id} data-testid={`provider-key-${provider.id}`}>
            <strong>{provider.name}</strong>{' '}
            {sources[provider.id] === 'environment' ? (
              <span>
                <code>{provider.variable}</code> is set
              </span>
            ) : sources[provider.id] === 'app' ? (
              <span>stored in the desktop app</span>
            ) : (
              <span className="muted">
                <code>{provider.variable}</code> is not set
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  )
}

function KeychainKeys({ bridge }: { bridge: LoupeBridge }) {
  const [status, setStatus] = useState<KeychainStatus | null>(null)
  const [keys, setKeys] = useState<ProviderKeyInfo[]>([])
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    Promise.all([bridge.getKeychainStatus(), bridge.listProviderKeys()]).then(
      ([loadedStatus, loadedKeys]) => {
        setStatus(loadedStatus)
        setKeys(loadedKeys)
      },
      (loadError: unknown) => setError(errorMessage(loadError)),
    )
  }, [bridge])

  return (
    <div data-testid="provider-keys-app">
      {status !== null && (
        <p
          className={status.protection === 'keychain' ? 'muted' : 'settings-warning'}
          data-testid="keychain-status"
        >
          {status.description}
        </p>
      )}
      {error !== null && (
        <p className="field-problem" role="alert">
          {error}
        </p>
      )}
      {PROVIDERS.map((provider) => (
        <KeyRow
          key={provider.id}
          provider={provider}
          info={keys.find((key) => key.provider === provider.id) ?? null}
          bridge={bridge}
          onChange={setKeys}
        />
      ))}
    </div>
  )
}

function KeyRow({
  provider,
  info,
  bridge,
  onChange,
}: {
  provider: (typeof PROVIDERS)[number]
  info: ProviderKeyInfo | null
  bridge: LoupeBridge
  onChange: (keys: ProviderKeyInfo[]) => void
}) {
  const [key, setKey] = useState('')
  const [message, setMessage] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const store = (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    bridge
      .storeProviderKey(provider.id, key)
      .then(
        (result) => {
          if (result.stored) {
            onChange(result.keys)
            setKey('')
            setMessage('Stored. Record runs use this key from now on.')
          } else setMessage(result.message)
        },
        (storeError: unknown) => setMessage(errorMessage(storeError)),
      )
      .finally(() => setBusy(false))
  }

  const remove = () => {
    bridge.deleteProviderKey(provider.id).then(
      (list) => {
        onChange(list)
        setMessage('Deleted.')
      },
      (deleteError: unknown) => setMessage(errorMessage(deleteError)),
    )
  }

  return (
    <form className="provider-key-row" onSubmit={store} aria-label={`${provider.name} key`}>
      <strong>{provider.name}</strong>
      <span className="muted">{describeStored(info)}</span>
      <input
        type="password"
        value={key}
        onChange={(event) => setKey(event.target.value)}
        placeholder={`paste a new ${provider.name} key`}
        autoComplete="off"
        spellCheck={false}
      />
      <button type="submit" disabled={busy || key === ''}>
        Store
      </button>
      {info?.storedIn != null && (
        <button type="button" onClick={remove}>
          Delete
        </button>
      )}
      {info?.problem != null && <span className="field-problem">{info.problem}</span>}
      {message !== null && (
        <span className="provider-key-message" role="status">
          {message}
        </span>
      )}
    </form>
  )
}

function describeStored(info: ProviderKeyInfo | null): string {
  switch (info?.storedIn ?? null) {
    case 'keychain':
      return 'stored in the OS keychain'
    case 'plaintext':
      return 'stored without a keyring'
    case 'memory':
      return 'kept until Loupe quits'
    default:
      return 'no key stored'
  }
}

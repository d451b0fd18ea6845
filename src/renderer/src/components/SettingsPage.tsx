import { lazy, Suspense, useCallback, useEffect, useState, type FormEvent } from 'react'
import type { JsonValue } from '../../../shared/api'
import {
  describeSource,
  SETTING_FIELDS,
  settingValue,
  type SettingField,
  type SettingPath,
  type SettingsProblem,
  type SettingsView,
} from '../../../shared/settings'
import { errorMessage } from '../api'
import { useSettings } from '../hooks/use-settings'
import {
  formatSettingValue,
  fromForm,
  invalidFieldsMessage,
  toForm,
  type SettingsForm,
} from '../settings-form'
import { ErrorNotice } from './ErrorNotice'
import { ProviderKeysSection } from './ProviderKeysSection'

const JsonEditor = lazy(() => import('./JsonEditor'))

const HEADERS_SCHEMA: JsonValue = {
  type: 'object',
  additionalProperties: { type: 'string' },
}

const SECTIONS = [...new Set(SETTING_FIELDS.map((field) => field.section))]

/**
 * Shows every setting of settings.json with its saved value, the value the
 * running core uses and where that came from, and saves the file through
 * the core. Saved changes apply when Loupe starts again; the page lists them.
 */
export function SettingsPage() {
  const { view, loadError, save } = useSettings()
  const [form, setForm] = useState<SettingsForm | null>(null)
  const [problems, setProblems] = useState<SettingsProblem[]>([])
  const [saveError, setSaveError] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)

  useEffect(() => {
    if (view !== null) setForm(toForm(view.saved))
  }, [view])

  const setInput = useCallback((path: SettingPath, value: string | boolean) => {
    setForm((old) => (old === null ? old : { ...old, [path]: value }))
  }, [])

  if (view === null || form === null) {
    return (
      <main className="page settings-page" data-testid="settings-page">
        <h1>Settings</h1>
        {loadError === null ? (
          <p className="muted">Loading…</p>
        ) : (
          <ErrorNotice title="Could not load the settings" message={loadError} />
        )}
      </main>
    )
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    setNotice(null)
    setSaveError(null)
    const read = fromForm(form, view.saved)
    if (read.problems.length > 0) {
      setProblems(read.problems)
      setSaveError('Not saved: fix the fields marked below.')
      return
    }
    setSaving(true)
    save(read.settings)
      .then(
        (outcome) => {
          if (outcome.saved) {
            setProblems([])
            setNotice(`Saved to ${outcome.view.file}.`)
          } else {
            setProblems(outcome.problems)
            setSaveError(outcome.error)
          }
        },
        (error: unknown) => setSaveError(errorMessage(error)),
      )
      .finally(() => setSaving(false))
  }

  const shownProblems = problems.length > 0 ? problems : view.problems
  const documentProblems = shownProblems.filter((problem) => problemPath(problem) === null)

  return (
    <main className="page settings-page" data-testid="settings-page">
      <h1>Settings</h1>
      <p className="muted">
        Stored in <code>{view.file}</code>
        {view.fileExists ? '' : ' (not written yet: every value is a default)'}, which the desktop
        app and <code>loupe serve</code> both read. Flags and environment variables of{' '}
        <code>loupe serve</code> override it.
      </p>
      {view.problems.length > 0 && problems.length === 0 && (
        <ErrorNotice
          title="The settings file has invalid fields"
          message={invalidFieldsMessage(view.restartRequired)}
          problems={view.problems.map(
            (problem) => `${problem.field || 'document'}: ${problem.message}`,
          )}
        />
      )}
      <RestartNotice view={view} />
      <form onSubmit={submit} aria-label="Settings" className="settings-form">
        {SECTIONS.map((section) => (
          <section className="settings-section" key={section} aria-label={section}>
            <h2>{section}</h2>
            {SETTING_FIELDS.filter((field) => field.section === section).map((field) => (
              <SettingRow
                key={field.path}
                field={field}
                view={view}
                input={form[field.path]}
                problems={shownProblems.filter((problem) => problemPath(problem) === field.path)}
                onInput={setInput}
              />
            ))}
          </section>
        ))}
        {documentProblems.length > 0 && (
          <ul className="editor-problems">
            {documentProblems.map((problem) => (
              <li key={problem.message}>{problem.message}</li>
            ))}
          </ul>
        )}
        <div className="settings-actions">
          <button type="submit" className="primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save settings'}
          </button>
          {saveError !== null && (
            <span className="field-problem" role="alert" data-testid="settings-save-error">
              {saveError}
            </span>
          )}
          {notice !== null && (
            <span className="notice" role="status" data-testid="settings-saved">
              {notice}
            </span>
          )}
        </div>
      </form>
      <ProviderKeysSection sources={view.providerKeys} />
    </main>
  )
}

/** Lists saved settings that the running core does not use yet, with how to restart. */
function RestartNotice({ view }: { view: SettingsView }) {
  if (view.restartRequired.length === 0) return null
  const labels = view.restartRequired.map(
    (path) => SETTING_FIELDS.find((field) => field.path === path)?.label ?? path,
  )
  const bridge = window.loupe
  return (
    <div className="settings-restart" role="status" data-testid="settings-restart">
      <span>Saved settings that apply when Loupe starts again: {labels.join(', ')}.</span>{' '}
      {bridge === undefined ? (
        <span>
          Stop <code>loupe serve</code> and start it again.
        </span>
      ) : (
        <button type="button" onClick={() => void bridge.relaunch()}>
          Restart Loupe
        </button>
      )}
    </div>
  )
}

function SettingRow({
  field,
  view,
  input,
  problems,
  onInput,
}: {
  field: SettingField
  view: SettingsView
  input: string | boolean
  problems: SettingsProblem[]
  onInput: (path: SettingPath, value: string | boolean) => void
}) {
  const id = `setting-${field.path.replace('.', '-')}`
  const source = view.sources[field.path]
  const running = formatSettingValue(field.kind, settingValue(view.running, field.path))
  return (
    <div className="setting-row" data-testid={id}>
      {field.kind === 'rules' || field.kind === 'headers' ? (
        // Monaco takes its accessible name from its own ariaLabel.
        <span className="setting-label">{field.label}</span>
      ) : (
        <label htmlFor={id}>{field.label}</label>
      )}
      <div className="setting-input">
        <SettingInput id={id} field={field} view={view} input={input} onInput={onInput} />
        <p className="setting-help muted">{field.help}</p>
        <p className="setting-running" data-testid={`${id}-running`}>
          Running with <code>{running}</code> ({describeSource(source)})
          {view.restartRequired.includes(field.path) && (
            <span className="setting-restart"> · the saved value applies after a restart</span>
          )}
        </p>
        {(source.kind === 'flag' || source.kind === 'environment') && (
          <p className="setting-override muted">
            {source.kind === 'flag' ? 'The flag' : 'The environment variable'}{' '}
            <code>{source.name}</code> overrides the saved value while it is given.
          </p>
        )}
        {problems.map((problem) => (
          <p className="field-problem" role="alert" key={`${problem.field}:${problem.message}`}>
            {problem.field === field.path ? '' : `${problem.field.slice(field.path.length + 1)}: `}
            {problem.message}
          </p>
        ))}
      </div>
    </div>
  )
}

function SettingInput({
  id,
  field,
  view,
  input,
  onInput,
}: {
  id: string
  field: SettingField
  view: SettingsView
  input: string | boolean
  onInput: (path: SettingPath, value: string | boolean) => void
}) {
  const [editorProblems, setEditorProblems] = useState<string[]>([])
  const onText = useCallback((text: string) => onInput(field.path, text), [field.path, onInput])
  if (field.kind === 'boolean') {
    return (
      <input
        id={id}
        type="checkbox"
        checked={input === true}
        onChange={(event) => onInput(field.path, event.target.checked)}
      />
    )
  }
  if (field.kind === 'rules' || field.kind === 'headers') {
    return (
      <>
        <Suspense fallback={<p className="muted">Loading the editor…</p>}>
          <JsonEditor
            value={String(input)}
            onChange={onText}
            label={`${field.label} (JSON)`}
            kind={`settings-${field.kind}`}
            schema={field.kind === 'rules' ? view.extraRulesSchema : HEADERS_SCHEMA}
            onProblems={setEditorProblems}
            testId={`${id}-editor`}
          />
        </Suspense>
        {editorProblems.length > 0 && (
          <ul className="editor-problems">
            {editorProblems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
      </>
    )
  }
  const numeric = field.kind === 'port' || field.kind.endsWith('number')
  return (
    <input
      id={id}
      type="text"
      value={String(input)}
      inputMode={numeric ? 'decimal' : undefined}
      spellCheck={false}
      placeholder={field.kind === 'port' ? 'default' : undefined}
      onChange={(event) => onInput(field.path, event.target.value)}
    />
  )
}

/** Returns the setting a problem belongs to (`redaction.extraRules.0.pattern` to `redaction.extraRules`), or null. */
function problemPath(problem: SettingsProblem): SettingPath | null {
  const field = SETTING_FIELDS.find(
    (candidate) =>
      problem.field === candidate.path || problem.field.startsWith(`${candidate.path}.`),
  )
  return field?.path ?? null
}

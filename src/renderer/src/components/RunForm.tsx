import { lazy, Suspense, type FormEvent } from 'react'
import type { PlaygroundMode, PlaygroundSettings } from '../../../shared/api'
import { useScenarioSchema } from '../hooks/use-playground'
import { formFromSettings, MODE_HINTS, MODE_LABELS, type RunFormValues } from '../playground-form'
import { SCENARIO_EXAMPLES } from '../scenario-examples'

const ScenarioEditor = lazy(() => import('./ScenarioEditor'))

const MODES = Object.keys(MODE_LABELS) as PlaygroundMode[]

export interface RunFormProps {
  values: RunFormValues
  onChange: (values: RunFormValues) => void
  recent: PlaygroundSettings[]
  /** False when the core may not start commands. */
  enabled: boolean
  starting: boolean
  scenarioProblems: string[]
  onScenarioProblems: (problems: string[]) => void
  onRun: () => void
}

/** Renders the command line, working folder, mode and scenario of the next run, and its Run button. */
export function RunForm(props: RunFormProps) {
  const { values, onChange, recent } = props
  const schema = useScenarioSchema(values.mode === 'scenario')
  const set = (change: Partial<RunFormValues>) => onChange({ ...values, ...change })

  const onFolderChange = (cwd: string) => {
    // A folder used before brings back its last command line, mode and scenario.
    const remembered = recent.find((settings) => settings.cwd === cwd)
    onChange(remembered ? formFromSettings(remembered, values) : { ...values, cwd })
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    props.onRun()
  }

  return (
    <form className="run-form" onSubmit={submit} aria-label="Run a command">
      <label className="run-field">
        <span>Command line</span>
        <input
          value={values.commandLine}
          onChange={(event) => set({ commandLine: event.target.value })}
          placeholder="python agent.py --question 'What is the weather?'"
          spellCheck={false}
          data-testid="command-line"
        />
        <small className="muted">
          Runs without a shell: spaces separate arguments, single and double quotes group them, and
          a backslash escapes the next character. For pipes or variables, run{' '}
          <code>sh -c &apos;…&apos;</code>.
        </small>
      </label>
      <label className="run-field">
        <span>Working folder</span>
        <input
          value={values.cwd}
          onChange={(event) => onFolderChange(event.target.value)}
          placeholder="/home/you/my-agent"
          list="playground-folders"
          spellCheck={false}
          data-testid="working-folder"
        />
        <datalist id="playground-folders">
          {recent.map((settings) => (
            <option key={settings.cwd} value={settings.cwd} />
          ))}
        </datalist>
      </label>
      <fieldset className="run-modes">
        <legend>Model</legend>
        {MODES.map((mode) => (
          <label key={mode} title={MODE_HINTS[mode].replaceAll('`', '')}>
            <input
              type="radio"
              name="mode"
              value={mode}
              checked={values.mode === mode}
              onChange={() => set({ mode })}
              data-testid={`mode-${mode}`}
            />
            {MODE_LABELS[mode]}
          </label>
        ))}
        <p className="muted mode-hint" data-testid="mode-hint">
          <TextWithCode text={MODE_HINTS[values.mode]} />
        </p>
      </fieldset>
      {values.mode === 'scenario' && (
        <section className="scenario-section" aria-label="Scenario">
          <div className="scenario-toolbar">
            <span>Scenario (JSON)</span>
            <select
              value=""
              onChange={(event) => {
                const example = SCENARIO_EXAMPLES.find((e) => e.label === event.target.value)
                if (example) set({ scenario: example.text })
              }}
              aria-label="Insert an example scenario"
              data-testid="scenario-example"
            >
              <option value="">Insert an example…</option>
              {SCENARIO_EXAMPLES.map((example) => (
                <option key={example.label} value={example.label}>
                  {example.label}
                </option>
              ))}
            </select>
          </div>
          {schema.problem !== null && (
            <p className="muted scenario-schema-problem" data-testid="scenario-schema-problem">
              {schema.problem}
            </p>
          )}
          <Suspense fallback={<p className="muted">Loading the editor…</p>}>
            <ScenarioEditor
              value={values.scenario}
              onChange={(scenario) => set({ scenario })}
              schema={schema.schema}
              onProblems={props.onScenarioProblems}
            />
          </Suspense>
          {props.scenarioProblems.length > 0 && (
            <ul className="scenario-problems" data-testid="scenario-problems">
              {props.scenarioProblems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          )}
        </section>
      )}
      <div className="run-actions">
        <button
          type="submit"
          className="primary"
          disabled={!props.enabled || props.starting}
          data-testid="run-button"
        >
          {props.starting ? 'Starting…' : 'Run'}
        </button>
      </div>
    </form>
  )
}

/** Renders text with `backticked` parts as code. */
function TextWithCode({ text }: { text: string }) {
  return text
    .split('`')
    .map((part, index) => (index % 2 === 1 ? <code key={index}>{part}</code> : part))
}

import { useState, type FormEvent, type ReactNode } from 'react'
import type { AlertRule, AlertRuleKind, AlertTestResult } from '../../../shared/alerts'
import { errorMessage, errorProblems } from '../api'
import {
  FAILURE_CLASSES,
  formToRule,
  KIND_LABELS,
  type AlertForm,
  type FailureClass,
} from '../alert-form'
import { AlertTestOutcome } from './AlertTestOutcome'
import { ErrorNotice } from './ErrorNotice'

interface Problem {
  title: string
  message: string
  problems: string[]
}

/**
 * Creates or edits one alert rule. Test runs the rule as filled in, without
 * saving it. Save writes it to the rules file through the core, which lists
 * each invalid field.
 */
export function AlertRuleForm({
  initial,
  editing,
  commandsAllowed,
  onSave,
  onTest,
  onCancel,
}: {
  initial: AlertForm
  /** The name of the rule being edited, or null for a new rule. */
  editing: string | null
  commandsAllowed: boolean
  onSave: (rule: AlertRule) => Promise<void>
  onTest: (rule: AlertRule) => Promise<AlertTestResult>
  onCancel: () => void
}) {
  const [form, setForm] = useState<AlertForm>(initial)
  const [problem, setProblem] = useState<Problem | null>(null)
  const [busy, setBusy] = useState<'saving' | 'testing' | null>(null)
  const [tested, setTested] = useState<AlertTestResult | null>(null)

  const checked = (): AlertRule | null => {
    const rule = formToRule(form)
    if (typeof rule === 'string') {
      setProblem({ title: 'The rule is incomplete', message: rule, problems: [] })
      return null
    }
    setProblem(null)
    return rule
  }

  const fail = (title: string) => (error: unknown) => {
    setBusy(null)
    setProblem({ title, message: errorMessage(error), problems: errorProblems(error) })
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const rule = checked()
    if (rule === null) return
    setBusy('saving')
    onSave(rule).then(() => setBusy(null), fail('The rule was not saved'))
  }

  const test = () => {
    const rule = checked()
    if (rule === null) return
    setBusy('testing')
    setTested(null)
    onTest(rule).then((result) => {
      setBusy(null)
      setTested(result)
    }, fail('The test failed'))
  }

  const field = (name: keyof AlertForm) => ({
    value: form[name] as string,
    onChange: (event: { target: { value: string } }) =>
      setForm((old) => ({ ...old, [name]: event.target.value })),
  })

  const toggleClass = (errorClass: FailureClass) =>
    setForm((old) => ({
      ...old,
      errorClasses: old.errorClasses.includes(errorClass)
        ? old.errorClasses.filter((c) => c !== errorClass)
        : [...old.errorClasses, errorClass],
    }))

  return (
    <form
      className="alert-form"
      onSubmit={submit}
      aria-label={editing === null ? 'New alert rule' : `Edit alert rule ${editing}`}
    >
      <h2>{editing === null ? 'New rule' : `Edit ${editing}`}</h2>
      <div className="alert-form-grid">
        <Field label="Name">
          <input {...field('name')} spellCheck={false} required />
        </Field>
        <Field label="Kind">
          <select
            value={form.kind}
            onChange={(event) =>
              setForm((old) => ({ ...old, kind: event.target.value as AlertRuleKind }))
            }
          >
            {(Object.keys(KIND_LABELS) as AlertRuleKind[]).map((kind) => (
              <option key={kind} value={kind}>
                {KIND_LABELS[kind]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Description" wide>
          <input {...field('description')} />
        </Field>
        <KindFields form={form} field={field} setForm={setForm} toggleClass={toggleClass} />
      </div>

      <fieldset className="alert-deliveries">
        <legend>Deliveries</legend>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={form.desktop}
            onChange={(event) => setForm((old) => ({ ...old, desktop: event.target.checked }))}
          />
          Desktop notification and a toast in this window
        </label>
        <div className="alert-form-grid">
          <Field label="Command, one argument per line" wide>
            <textarea
              {...field('commandArgv')}
              rows={3}
              spellCheck={false}
              disabled={!commandsAllowed}
              placeholder="e.g. ./notify.sh"
            />
          </Field>
          <Field label="Command time limit (ms)">
            <input {...field('commandTimeoutMs')} inputMode="numeric" placeholder="10000" />
          </Field>
          <Field label="Webhook URL" wide>
            <input {...field('webhookUrl')} spellCheck={false} placeholder="https://…" />
          </Field>
          <Field label="Webhook headers, one Name: value per line" wide>
            <textarea {...field('webhookHeaders')} rows={2} spellCheck={false} />
          </Field>
          <Field label="Webhook time limit (ms)">
            <input {...field('webhookTimeoutMs')} inputMode="numeric" placeholder="5000" />
          </Field>
          <Field label="Webhook retries">
            <input {...field('webhookRetries')} inputMode="numeric" placeholder="3" />
          </Field>
        </div>
        {!commandsAllowed && (
          <p className="muted">
            Commands cannot be set here while Loupe listens on an address other machines may reach;
            edit the rules file instead.
          </p>
        )}
      </fieldset>

      <label className="checkbox">
        <input
          type="checkbox"
          checked={form.enabled}
          onChange={(event) => setForm((old) => ({ ...old, enabled: event.target.checked }))}
        />
        Enabled
      </label>
      <div className="alert-form-actions">
        <button type="submit" className="primary" disabled={busy !== null}>
          {busy === 'saving' ? 'Saving…' : 'Save rule'}
        </button>
        <button type="button" onClick={test} disabled={busy !== null}>
          {busy === 'testing' ? 'Testing…' : 'Test'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {problem !== null && (
        <ErrorNotice title={problem.title} message={problem.message} problems={problem.problems} />
      )}
      {tested !== null && <AlertTestOutcome result={tested} />}
    </form>
  )
}

type FieldProps = (name: keyof AlertForm) => {
  value: string
  onChange: (event: { target: { value: string } }) => void
}

/** Shows the fields of the rule's kind: threshold, window and filters, or the SQL. */
function KindFields({
  form,
  field,
  setForm,
  toggleClass,
}: {
  form: AlertForm
  field: FieldProps
  setForm: (update: (old: AlertForm) => AlertForm) => void
  toggleClass: (errorClass: FailureClass) => void
}) {
  if (form.kind === 'sql') {
    return (
      <>
        <Field label="SQL (a read-only query over the SQL explorer's views)" wide>
          <textarea
            {...field('sql')}
            rows={4}
            spellCheck={false}
            className="alert-sql"
            placeholder="SELECT trace_id, error_class FROM agent_runs WHERE error_class <> 'none'"
          />
        </Field>
        <Field label="Value column (empty: fire on any row)">
          <input {...field('valueColumn')} spellCheck={false} />
        </Field>
        <Field label="Fire when the value is">
          <select
            value={form.direction}
            onChange={(event) =>
              setForm((old) => ({ ...old, direction: event.target.value as 'above' | 'below' }))
            }
          >
            <option value="above">above the threshold</option>
            <option value="below">below the threshold</option>
          </select>
        </Field>
        <Field label="Threshold">
          <input {...field('threshold')} inputMode="decimal" />
        </Field>
        <Field label="Query time limit (ms)">
          <input {...field('timeoutMs')} inputMode="numeric" placeholder="5000" />
        </Field>
      </>
    )
  }
  return (
    <>
      <Field
        label={
          form.kind === 'error_rate'
            ? 'Threshold (% of runs failed)'
            : 'Threshold (US dollars in the last hour)'
        }
      >
        <input {...field('threshold')} inputMode="decimal" required />
      </Field>
      {form.kind === 'error_rate' && (
        <>
          <Field label="Window">
            <input {...field('window')} spellCheck={false} placeholder="15m" />
          </Field>
          <Field label="Minimum runs">
            <input {...field('minRuns')} inputMode="numeric" placeholder="1" />
          </Field>
        </>
      )}
      <Field label="Agent">
        <input {...field('agent')} spellCheck={false} placeholder="any" />
      </Field>
      <Field label="Service">
        <input {...field('service')} spellCheck={false} placeholder="any" />
      </Field>
      {form.kind === 'error_rate' && (
        <fieldset className="alert-classes">
          <legend>Count as failures (none checked: every error class)</legend>
          {FAILURE_CLASSES.map((errorClass) => (
            <label key={errorClass} className="checkbox">
              <input
                type="checkbox"
                checked={form.errorClasses.includes(errorClass)}
                onChange={() => toggleClass(errorClass)}
              />
              {errorClass}
            </label>
          ))}
        </fieldset>
      )}
    </>
  )
}

function Field({
  label,
  wide = false,
  children,
}: {
  label: string
  wide?: boolean
  children: ReactNode
}) {
  return (
    <label className={wide ? 'alert-field wide' : 'alert-field'}>
      {label}
      {children}
    </label>
  )
}

import { useState } from 'react'
import type { AlertRuleView, AlertTestResult } from '../../../shared/alerts'
import { errorMessage } from '../api'
import {
  describeCondition,
  EMPTY_ALERT_FORM,
  formatInterval,
  KIND_LABELS,
  ruleToForm,
  type AlertForm,
} from '../alert-form'
import { formatLocalTime, formatUsd } from '../format'
import { useAlerts } from '../hooks/use-alerts'
import { navigate } from '../navigation'
import { alertsHash } from '../route'
import { AlertEventList, AlertStateBadge } from './AlertEventList'
import { AlertRuleForm } from './AlertRuleForm'
import { AlertTestOutcome } from './AlertTestOutcome'
import { ErrorNotice } from './ErrorNotice'
import '../alerts.css'

interface Editing {
  /** The rule being edited, or null for a new one. */
  name: string | null
  form: AlertForm
}

/**
 * Lists the alert rules with their last state and last alert, and creates,
 * edits, tests and deletes them. With `rule`, the recent alerts are that
 * rule's, as an alert's link opens them.
 */
export function AlertsPage({ rule }: { rule: string | null }) {
  const { overview, events, loadError, save, remove, test, evaluate } = useAlerts(rule)
  const [editing, setEditing] = useState<Editing | null>(null)
  const [tests, setTests] = useState<Record<string, AlertTestResult | string>>({})
  const [notice, setNotice] = useState<string | null>(null)
  const [actionError, setActionError] = useState<string | null>(null)

  const testRule = (view: AlertRuleView) => {
    setTests((old) => ({ ...old, [view.rule.name]: 'Testing…' }))
    test(view.rule, false).then(
      (result) => setTests((old) => ({ ...old, [view.rule.name]: result })),
      (error: unknown) =>
        setTests((old) => ({ ...old, [view.rule.name]: `Test failed: ${errorMessage(error)}` })),
    )
  }

  const deleteRule = (name: string) => {
    if (!window.confirm(`Delete the alert rule ${name}?`)) return
    remove(name).then(
      () => setNotice(`Deleted the rule ${name}.`),
      (error: unknown) => setActionError(errorMessage(error)),
    )
  }

  const evaluateNow = () => {
    setActionError(null)
    evaluate().then(
      () => setNotice('Evaluated every rule.'),
      (error: unknown) => setActionError(errorMessage(error)),
    )
  }

  return (
    <main className="page alerts-page" data-testid="alerts-page">
      <h1>Alerts</h1>
      <p className="muted">
        {overview === null ? (
          'Loading…'
        ) : (
          <>
            Loupe evaluates these rules every {formatInterval(overview.intervalSeconds)} and raises
            an alert when a rule starts firing and when it resolves. They are kept in{' '}
            <code>{overview.file}</code>
            {overview.exists ? '' : ' (created when you save the first rule)'}.
          </>
        )}
      </p>
      {loadError !== null && <ErrorNotice title="Could not load the alerts" message={loadError} />}
      {actionError !== null && <ErrorNotice title="The action failed" message={actionError} />}
      {overview !== null && overview.problems.length > 0 && (
        <ErrorNotice
          title="The rules file has mistakes"
          message={`No rule is evaluated until ${overview.file} is fixed:`}
          problems={overview.problems}
        />
      )}
      <div className="alerts-toolbar">
        <button
          type="button"
          className="primary"
          onClick={() => {
            setNotice(null)
            setEditing({ name: null, form: EMPTY_ALERT_FORM })
          }}
        >
          New rule
        </button>
        <button type="button" onClick={evaluateNow} disabled={overview === null}>
          Evaluate now
        </button>
        {notice !== null && (
          <span className="notice" role="status">
            {notice}
          </span>
        )}
      </div>

      {editing !== null && overview !== null && (
        <AlertRuleForm
          key={editing.name ?? '(new)'}
          initial={editing.form}
          editing={editing.name}
          commandsAllowed={overview.commandsAllowed}
          onSave={async (saved) => {
            await save(editing.name, saved)
            setEditing(null)
            setNotice(`Saved the rule ${saved.name}.`)
          }}
          onTest={(tested) => test(tested, false)}
          onCancel={() => setEditing(null)}
        />
      )}

      {overview !== null && overview.rules.length === 0 && overview.problems.length === 0 && (
        <p className="muted">
          No rules yet. Add one for the error rate of your agent runs, the cost of the last hour, or
          any SQL condition over your traces.
        </p>
      )}
      {overview !== null && overview.rules.length > 0 && (
        <table className="alerts-table" data-testid="alert-rules">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Fires when</th>
              <th scope="col">State</th>
              <th scope="col" className="number">
                Value
              </th>
              <th scope="col">Last fired</th>
              <th scope="col">Last evaluated</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {overview.rules.map((view) => (
              <RuleRow
                key={view.rule.name}
                view={view}
                selected={view.rule.name === rule}
                test={tests[view.rule.name]}
                onTest={() => testRule(view)}
                onEdit={() => {
                  setNotice(null)
                  setEditing({ name: view.rule.name, form: ruleToForm(view.rule) })
                }}
                onDelete={() => deleteRule(view.rule.name)}
              />
            ))}
          </tbody>
        </table>
      )}

      <h2>
        {rule === null ? 'Recent alerts' : `Recent alerts of ${rule}`}
        {rule !== null && (
          <button type="button" className="link-button" onClick={() => navigate(alertsHash())}>
            Show every rule's
          </button>
        )}
      </h2>
      <AlertEventList events={events} />
    </main>
  )
}

function RuleRow({
  view,
  selected,
  test,
  onTest,
  onEdit,
  onDelete,
}: {
  view: AlertRuleView
  selected: boolean
  test: AlertTestResult | string | undefined
  onTest: () => void
  onEdit: () => void
  onDelete: () => void
}) {
  const { rule, status } = view
  const enabled = rule.enabled ?? true
  return (
    <>
      <tr
        className={selected ? 'alert-rule selected' : 'alert-rule'}
        data-testid="alert-rule"
        data-rule={rule.name}
      >
        <td>
          <a href={alertsHash(rule.name)} className="alert-rule-name">
            {rule.name}
          </a>
          <div className="muted">{KIND_LABELS[rule.kind]}</div>
          {rule.description !== undefined && <div className="muted">{rule.description}</div>}
        </td>
        <td>{describeCondition(rule)}</td>
        <td>
          <AlertStateBadge state={enabled ? status.state : 'disabled'} />
        </td>
        <td className="number">{formatValue(rule.kind, status.value)}</td>
        <td>{status.lastFired === null ? '—' : formatLocalTime(status.lastFired)}</td>
        <td>{status.lastEvaluated === null ? '—' : formatLocalTime(status.lastEvaluated)}</td>
        <td>
          <div className="actions">
            <button type="button" onClick={onTest}>
              Test now
            </button>
            <button type="button" onClick={onEdit}>
              Edit
            </button>
            <button type="button" onClick={onDelete}>
              Delete
            </button>
          </div>
        </td>
      </tr>
      {(status.error !== null || test !== undefined) && (
        <tr className="alert-rule-detail">
          <td colSpan={7}>
            {status.error !== null && (
              <div className="field-problem" role="alert">
                The last evaluation failed: {status.error}
              </div>
            )}
            {typeof test === 'string' ? (
              <div className="muted">{test}</div>
            ) : test !== undefined ? (
              <AlertTestOutcome result={test} />
            ) : null}
          </td>
        </tr>
      )}
    </>
  )
}

function formatValue(kind: AlertRuleView['rule']['kind'], value: number | null): string {
  if (value === null) return '—'
  if (kind === 'error_rate') return `${Number(value.toFixed(1))}%`
  if (kind === 'cost_per_hour') return formatUsd(value)
  return String(Number(value.toPrecision(6)))
}

import { useState } from 'react'
import {
  CHECK_RESULTS,
  type CheckEvidence,
  type CheckFinding,
  type CheckReport,
  type CheckResult,
} from '../../../shared/check'
import { formatLocalTime, pluralize } from '../format'
import { useCheck } from '../hooks/use-check'
import { checkHash, traceHash } from '../route'
import { ErrorNotice } from './ErrorNotice'
import '../check.css'

/** Windows offered for a check of recent traces. */
const WINDOWS = ['1h', '24h', '7d', '30d']

const GROUP_TITLES: Record<CheckResult, string> = {
  fail: 'Failed',
  warn: 'Warnings',
  not_checkable: 'Not checkable: review these yourself',
  pass: 'Passed',
}

const RESULT_LABELS: Record<CheckResult, string> = {
  fail: 'fail',
  warn: 'warn',
  not_checkable: 'not checkable',
  pass: 'pass',
}

/**
 * Checks one trace, or the traces of a recent window, against a production
 * checklist for agent services. Lists the findings by result, worst first,
 * each with links to the spans it came from.
 */
export function CheckPage({ traceId }: { traceId: string | null }) {
  const [since, setSince] = useState('24h')
  const { report, error, loading, rerun } = useCheck(traceId, since)

  return (
    <main className="page check-page" data-testid="check-page">
      <h1>Production-readiness check</h1>
      <div className="check-scope">
        {traceId !== null ? (
          <span>
            Trace <a href={traceHash(traceId)}>{traceId}</a>{' '}
            <a href={checkHash()} className="muted">
              (check recent traces instead)
            </a>
          </span>
        ) : (
          <label>
            Traces that started in the last{' '}
            <select
              value={since}
              onChange={(event) => setSince(event.target.value)}
              data-testid="check-window"
            >
              {WINDOWS.map((window) => (
                <option key={window} value={window}>
                  {window}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="button" onClick={rerun} disabled={loading} data-testid="check-rerun">
          {loading ? 'Checking…' : 'Check again'}
        </button>
      </div>
      {error !== null && <ErrorNotice title="The check could not run" message={error} />}
      {report !== null && <CheckReportView report={report} />}
    </main>
  )
}

function CheckReportView({ report }: { report: CheckReport }) {
  return (
    <>
      <p className="muted" data-testid="check-summary">
        {pluralize(report.tracesChecked, 'trace')} and {pluralize(report.spansChecked, 'span')}{' '}
        checked at {formatLocalTime(report.checkedAt)}: {report.counts.fail} failed,{' '}
        {pluralize(report.counts.warn, 'warning')}, {report.counts.not_checkable} not checkable,{' '}
        {report.counts.pass} passed.
        {report.tracesSkipped > 0 &&
          ` ${pluralize(report.tracesSkipped, 'older trace')} in the window were left out.`}
      </p>
      {CHECK_RESULTS.map((result) => {
        const findings = report.checks.filter((finding) => finding.result === result)
        if (findings.length === 0) return null
        return (
          <section
            key={result}
            className="check-group"
            data-testid="check-group"
            data-result={result}
          >
            <h2>{GROUP_TITLES[result]}</h2>
            {findings.map((finding) => (
              <FindingView key={finding.id} finding={finding} />
            ))}
          </section>
        )
      })}
    </>
  )
}

function FindingView({ finding }: { finding: CheckFinding }) {
  return (
    <article
      className="check-finding"
      data-testid="check-finding"
      data-check-id={finding.id}
      data-result={finding.result}
    >
      <header>
        <span className={`badge check-${finding.result}`}>{RESULT_LABELS[finding.result]}</span>
        <h3>{finding.title}</h3>
        <code className="muted">{finding.id}</code>
      </header>
      <p data-testid="check-finding-text">{finding.finding}</p>
      {finding.evidence.length > 0 && (
        <ul className="check-evidence">
          {finding.evidence.map((item, index) => (
            <EvidenceView key={index} item={item} />
          ))}
          {finding.omittedEvidence > 0 && (
            <li className="muted">… and {finding.omittedEvidence} more</li>
          )}
        </ul>
      )}
    </article>
  )
}

function EvidenceView({ item }: { item: CheckEvidence }) {
  return (
    <li data-testid="check-evidence" data-span-id={item.spanId ?? ''}>
      {item.traceId !== null && (
        <a
          href={traceHash(item.traceId, item.spanId)}
          data-testid="check-evidence-link"
          title={
            item.spanId === null
              ? `Open trace ${item.traceId}`
              : `Open span ${item.spanId} in trace ${item.traceId}`
          }
        >
          {item.spanName ?? `trace ${item.traceId}`}
        </a>
      )}
      {item.spanId !== null && <code className="muted">{item.spanId}</code>}
      {item.attribute !== null && (
        <span className="check-value">
          <code>{item.attribute}</code> = <code>{item.value ?? ''}</code>
        </span>
      )}
      <span className="check-note">{item.note}</span>
    </li>
  )
}

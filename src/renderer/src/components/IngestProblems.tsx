import type { IngestProblem } from '../../../shared/api'
import { formatLocalTime } from '../format'

/** Recent rejected spans and undecodable requests, folded away behind a one-line summary. */
export function IngestProblems({ problems }: { problems: IngestProblem[] }) {
  if (problems.length === 0) return null
  return (
    <details className="ingest-problems">
      <summary>
        {problems.length === 1
          ? '1 recent ingest problem'
          : `${problems.length} recent ingest problems`}
      </summary>
      <ul>
        {problems.map((problem, index) => (
          <li key={index}>
            <time dateTime={problem.time}>{formatLocalTime(problem.time)}</time>{' '}
            <span className="muted">
              {problem.signal} over {problem.transport}
              {problem.rejected > 0 && `, ${problem.rejected} rejected`}:
            </span>{' '}
            {problem.message}
          </li>
        ))}
      </ul>
    </details>
  )
}

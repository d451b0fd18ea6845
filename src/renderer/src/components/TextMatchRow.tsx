import type { MatchField, TextMatch } from '../../../shared/trace-filter'
import { formatCount } from '../format'
import { navigate } from '../navigation'

const FIELD_LABELS: Record<MatchField, string> = {
  name: 'Span name',
  messages: 'Messages',
  toolArguments: 'Tool arguments',
  toolResult: 'Tool result',
  error: 'Error',
  log: 'Log',
}

/**
 * Renders the row under a trace that a text search matched: the field and a snippet
 * with the matched words marked. A click opens the trace at the matching span.
 */
export function TextMatchRow({
  match,
  href,
  columns,
}: {
  match: TextMatch
  href: string
  columns: number
}) {
  return (
    <tr className="trace-match" data-testid="trace-match" onClick={() => navigate(href)}>
      <td colSpan={columns}>
        <span className="match-field">{FIELD_LABELS[match.field]}</span>
        <span className="match-snippet">
          {match.snippet.map((part, index) =>
            part.match ? (
              <mark key={index}>{part.text}</mark>
            ) : (
              <span key={index}>{part.text}</span>
            ),
          )}
        </span>
        {match.matchCount > 1 && (
          <span className="muted match-count"> +{formatCount(match.matchCount - 1)} more</span>
        )}
      </td>
    </tr>
  )
}

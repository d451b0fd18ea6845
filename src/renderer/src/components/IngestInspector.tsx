import type { IngestInspection } from '../../../shared/api'
import { pluralize } from '../format'

const CONVENTION_LABELS: Record<IngestInspection['convention'], string> = {
  'otel-genai': 'OpenTelemetry GenAI semantic conventions',
  'pydantic-ai': 'Pydantic AI',
  logfire: 'Logfire',
  'ai-sdk': 'Vercel AI SDK',
  openinference: 'OpenInference',
  openllmetry: 'OpenLLMetry',
  none: 'none (not a GenAI span)',
}

/**
 * Shows what Loupe's normalizer made of a span: the convention it detected, the
 * attribute keys it mapped, the GenAI keys it did not understand and the
 * values that were cut.
 */
export function IngestInspector({ inspection }: { inspection: IngestInspection | null }) {
  if (inspection === null) {
    return <p className="muted">Loupe has not normalized this span yet.</p>
  }
  return (
    <div className="ingest-inspector" data-testid="ingest-inspector">
      <dl className="fields">
        <dt>Convention</dt>
        <dd data-testid="ingest-convention">
          {CONVENTION_LABELS[inspection.convention]} <code>{inspection.convention}</code>
        </dd>
      </dl>
      <h4>Unknown keys ({inspection.unknown.length})</h4>
      {inspection.unknown.length === 0 ? (
        <p className="muted">Every gen_ai.*, ai.* and llm.* key was understood.</p>
      ) : (
        <>
          <p className="muted">
            {pluralize(inspection.unknown.length, 'GenAI key')} that Loupe does not map. Their
            values are in the Raw tab; none of them count toward tokens, cost or messages.
          </p>
          <ul className="key-list unknown" data-testid="unknown-keys">
            {inspection.unknown.map((key) => (
              <li key={key}>
                <code>{key}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      <h4>Mapped keys ({inspection.mapped.length})</h4>
      {inspection.mapped.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="key-list" data-testid="mapped-keys">
          {inspection.mapped.map((key) => (
            <li key={key}>
              <code>{key}</code>
            </li>
          ))}
        </ul>
      )}
      <h4>Truncated values ({inspection.truncated.length})</h4>
      {inspection.truncated.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="key-list truncated" data-testid="truncated-values">
          {inspection.truncated.map((entry) => (
            <li key={entry.key}>
              <code>{entry.key}</code>: {entry.note}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

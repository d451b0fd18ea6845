// Checks of telemetry content: no API keys or bearer tokens, and no obvious
// personal data, in span names, status messages, attributes
// (prompts, messages, tool arguments and results), event attributes, log
// records and resource attributes.

import type { JsonValue } from '../../shared/api'
import type { CheckEvidence } from '../../shared/check'
import { RedactionTally, Redactor } from '../redact/redactor'
import { EvidenceList, plural, type ReadinessCheck, type Verdict } from './check'
import { findPersonalData } from './personal-data'
import type { CheckSpan } from './traces'
import { spanEvidence, type TraceView } from './trace-view'

/** Location of a text: its span (null for a log record without one) and its attribute. */
interface TextPlace {
  span: CheckSpan | null
  attribute: string
}

/** Calls `visit` with every string in a JSON value. */
function eachString(value: JsonValue, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value)
  else if (Array.isArray(value)) for (const item of value) eachString(item, visit)
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) eachString(item, visit)
}

/**
 * Calls `visit` with every text of a trace: each span's name, status message,
 * attributes and event attributes, each log record's body and attributes,
 * and the attributes of each resource not seen before.
 */
function eachText(
  trace: TraceView,
  seenResources: Set<number>,
  visit: (place: TextPlace, text: string) => void,
): void {
  for (const span of trace.spans) {
    visit({ span, attribute: 'span name' }, span.name)
    if (span.statusMessage !== '') visit({ span, attribute: 'status message' }, span.statusMessage)
    for (const [key, value] of Object.entries(span.attributes)) {
      eachString(value, (text) => visit({ span, attribute: key }, text))
    }
    for (const event of span.events) {
      for (const [key, value] of Object.entries(event.attributes)) {
        eachString(value, (text) => visit({ span, attribute: `${event.name} event: ${key}` }, text))
      }
    }
    if (!seenResources.has(span.resource.id)) {
      seenResources.add(span.resource.id)
      for (const [key, value] of Object.entries(span.resource.attributes)) {
        eachString(value, (text) => visit({ span, attribute: `resource: ${key}` }, text))
      }
    }
  }
  for (const log of trace.trace.logs) {
    const span = trace.span(log.spanId)
    eachString(log.body, (text) => visit({ span, attribute: 'log body' }, text))
    for (const [key, value] of Object.entries(log.attributes)) {
      eachString(value, (text) => visit({ span, attribute: `log: ${key}` }, text))
    }
  }
}

function placeEvidence(
  trace: TraceView,
  place: TextPlace,
  note: string,
  value: string,
): CheckEvidence {
  if (place.span !== null) return spanEvidence(place.span, note, place.attribute, value)
  return {
    traceId: trace.traceId,
    spanId: null,
    spanName: null,
    attribute: place.attribute,
    value,
    note,
  }
}

/** Markers that Loupe's ingest redactor leaves in place of a secret, e.g. `[REDACTED:openai-api-key]`. */
const REDACTION_MARKER = /\[REDACTED:[A-Za-z0-9._-]+\]/g
/** Logfire's scrubber output, e.g. `[Scrubbed due to 'api key']`. */
const SCRUBBED = /\[Scrubbed due to '[^']*'\]/g

export class SecretsCheck implements ReadinessCheck {
  readonly id = 'secrets'
  readonly title = 'No API keys or bearer tokens in telemetry'
  private readonly redactor = new Redactor()
  private readonly seenResources = new Set<number>()
  private readonly redacted = new EvidenceList()
  private readonly readable = new EvidenceList()
  private readonly scrubbed = new EvidenceList()
  private spans = 0

  observe(trace: TraceView): void {
    this.spans += trace.spans.length
    eachText(trace, this.seenResources, (place, text) => this.scan(trace, place, text))
  }

  private scan(trace: TraceView, place: TextPlace, text: string): void {
    if (text.includes('[REDACTED:')) {
      const markers = [...new Set(text.match(REDACTION_MARKER) ?? [])]
      const note = `The application sent a secret here; Loupe replaced it before storing the span (${plural(markers.length, 'marker')}).`
      this.redacted.add(placeEvidence(trace, place, note, markers.join(' ')))
    }
    if (text.includes('[Scrubbed due to ')) {
      const markers = [...new Set(text.match(SCRUBBED) ?? [])]
      const note =
        'Logfire scrubbed a value here before sending it, so the code puts something secret-looking into telemetry.'
      this.scrubbed.add(placeEvidence(trace, place, note, markers.join(' ')))
    }
    const tally = new RedactionTally()
    this.redactor.redactText(text, tally)
    if (tally.count > 0) {
      // The store kept this secret as sent (redaction was off, or the data came from another tool).
      const rules = [...tally.rules].sort().join(', ')
      const note = `A readable secret is stored here (${plural(tally.count, 'match')} of ${rules}); it is not shown.`
      this.readable.add(placeEvidence(trace, place, note, `(${rules}, hidden)`))
    }
  }

  verdict(): Verdict {
    const leaks = this.redacted.size + this.readable.size
    if (leaks > 0) {
      return {
        result: 'fail',
        finding: `Secrets reached telemetry in ${plural(leaks, 'place')}${this.redacted.size > 0 ? ', some already redacted by Loupe' : ''}.`,
        evidence: [this.readable, this.redacted, this.scrubbed],
      }
    }
    if (this.scrubbed.size > 0) {
      return {
        result: 'warn',
        finding: `Logfire scrubbed ${plural(this.scrubbed.size, 'value')} before export; check what the code puts there.`,
        evidence: [this.scrubbed],
      }
    }
    if (this.spans === 0) {
      return { result: 'not_checkable', finding: 'No spans in these traces.', evidence: [] }
    }
    return {
      result: 'pass',
      finding: `No API key, token or redaction marker in ${plural(this.spans, 'span')} and their logs.`,
      evidence: [],
    }
  }
}

/** Attributes that describe the code and the repository rather than a user. */
const NOT_PERSONAL = /^(?:resource: )?(?:vcs\.|code\.|logfire\.json_schema$|logfire\.code\.)/

export class PersonalDataCheck implements ReadinessCheck {
  readonly id = 'personal-data'
  readonly title = 'No obvious personal data in telemetry'
  private readonly seenResources = new Set<number>()
  private readonly found = new EvidenceList()
  private readonly kinds = new Set<string>()
  private spans = 0

  observe(trace: TraceView): void {
    this.spans += trace.spans.length
    eachText(trace, this.seenResources, (place, text) => {
      if (NOT_PERSONAL.test(place.attribute)) return
      const matches = findPersonalData(text)
      if (matches.length === 0) return
      for (const kind of matches) this.kinds.add(kind.kind)
      const kinds = [...new Set(matches.map((match) => match.kind))].join(', ')
      const note = `Contains ${kinds} (masked here).`
      const value = [...new Set(matches.map((match) => match.masked))].join(' ')
      this.found.add(placeEvidence(trace, place, note, value))
    })
  }

  verdict(): Verdict {
    if (this.found.size > 0) {
      return {
        result: 'fail',
        finding: `Found ${[...this.kinds].sort().join(', ')} in ${plural(this.found.size, 'place')}.`,
        evidence: [this.found],
      }
    }
    if (this.spans === 0) {
      return { result: 'not_checkable', finding: 'No spans in these traces.', evidence: [] }
    }
    return {
      result: 'pass',
      finding: `No e-mail address, phone number or card number in ${plural(this.spans, 'span')} and their logs.`,
      evidence: [],
    }
  }
}

// Redaction of decoded OTLP batches before they are stored. Each carrier of
// attributes (span, log record, resource, scope) that had values redacted
// gets two attributes of its own:
//   loupe.redactions       the number of secrets replaced in it
//   loupe.redaction_rules  the names of the rules that matched, sorted
// A span's count covers its name, status message, attributes, and the
// attributes of its events and links. A log record's count covers its body
// and attributes.

import { setAttribute } from '../otlp/attributes'
import type {
  Attributes,
  DecodedLogs,
  DecodedResource,
  DecodedScope,
  DecodedSpan,
  DecodedTraces,
} from '../otlp/model'
import { RedactionTally, type Redactor } from './redactor'

export const REDACTIONS_ATTRIBUTE = 'loupe.redactions'
export const REDACTION_RULES_ATTRIBUTE = 'loupe.redaction_rules'

/** Redacts decoded spans in place and returns the total over the batch. */
export function redactTraces(redactor: Redactor, traces: DecodedTraces): RedactionTally {
  const total = new RedactionTally()
  const context = new CarrierRedaction(redactor, total)
  for (const group of traces.groups) {
    context.redactResource(group.resource)
    context.redactScope(group.scope)
    for (const span of group.spans) context.redactSpan(span)
  }
  return total
}

/** Redacts decoded log records in place and returns the total over the batch. */
export function redactLogs(redactor: Redactor, logs: DecodedLogs): RedactionTally {
  const total = new RedactionTally()
  const context = new CarrierRedaction(redactor, total)
  for (const group of logs.groups) {
    context.redactResource(group.resource)
    context.redactScope(group.scope)
    for (const record of group.records) {
      const tally = new RedactionTally()
      redactor.redactDecodedValue(record.body, tally)
      redactor.redactAttributes(record.attributes, tally)
      context.record(record.attributes, tally)
    }
  }
  return total
}

/** Redaction of one batch, where several groups may share one resource or scope object. */
class CarrierRedaction {
  private readonly seen = new Set<object>()

  constructor(
    private readonly redactor: Redactor,
    private readonly total: RedactionTally,
  ) {}

  redactResource(resource: DecodedResource): void {
    if (this.seen.has(resource)) return
    this.seen.add(resource)
    const tally = new RedactionTally()
    this.redactor.redactAttributes(resource.attributes, tally)
    this.record(resource.attributes, tally)
  }

  redactScope(scope: DecodedScope): void {
    if (this.seen.has(scope)) return
    this.seen.add(scope)
    const tally = new RedactionTally()
    this.redactor.redactAttributes(scope.attributes, tally)
    this.record(scope.attributes, tally)
  }

  redactSpan(span: DecodedSpan): void {
    const redactor = this.redactor
    const tally = new RedactionTally()
    span.name = redactor.redactText(span.name, tally)
    span.statusMessage = redactor.redactText(span.statusMessage, tally)
    redactor.redactAttributes(span.attributes, tally)
    for (const event of span.events) redactor.redactAttributes(event.attributes, tally)
    for (const link of span.links) redactor.redactAttributes(link.attributes, tally)
    this.record(span.attributes, tally)
  }

  /** Adds `tally` to the batch total and marks the carrier's attributes with it. */
  record(attributes: Attributes, tally: RedactionTally): void {
    if (tally.count === 0) return
    this.total.add(tally)
    markRedactions(attributes, tally)
  }
}

/**
 * Sets the redaction attributes, adding to values the sender already set
 * (a trace exported from Loupe and imported again keeps its earlier count).
 */
function markRedactions(attributes: Attributes, tally: RedactionTally): void {
  const previousCount = attributes.values[REDACTIONS_ATTRIBUTE]
  const previousRules = attributes.values[REDACTION_RULES_ATTRIBUTE]
  const rules = new Set(tally.rules)
  if (Array.isArray(previousRules)) {
    for (const rule of previousRules) if (typeof rule === 'string') rules.add(rule)
  }
  const count =
    tally.count +
    (typeof previousCount === 'number' && Number.isSafeInteger(previousCount) ? previousCount : 0)
  setAttribute(attributes, REDACTIONS_ATTRIBUTE, count, null)
  setAttribute(attributes, REDACTION_RULES_ATTRIBUTE, [...rules].sort(), null)
}

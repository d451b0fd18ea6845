import { useMemo, useState } from 'react'
import type { AttributeMap, JsonValue } from '../../../shared/api'
import { formatJsonValue, parseEmbeddedJson } from '../format'
import { scrubbedReason } from '../genai/logfire'
import { LONG_TEXT_HEAD_CHARS, LongText } from './LongText'
import { ScrubbedValue } from './ScrubbedValue'

interface AttributeEntry {
  key: string
  /** The text that is shown, searched and counted: a string's own characters, or JSON. */
  text: string
  display: 'string' | 'embedded-json' | 'json' | 'scrubbed'
  scrubbedReason: string | null
}

/**
 * Renders attributes as a key/value table, optionally with a filter box.
 * Strings show as themselves: a short one in quotes, so that "700" and 700
 * differ, and a long one unquoted with its real length. Other values show as
 * JSON. Keys in `unknownKeys` are highlighted as not understood by Loupe.
 */
export function AttributeTable({
  attributes,
  searchable = false,
  unknownKeys,
}: {
  attributes: AttributeMap
  searchable?: boolean
  unknownKeys?: ReadonlySet<string>
}) {
  const [filter, setFilter] = useState('')
  const entries = useMemo(
    () =>
      Object.entries(attributes)
        .map(([key, value]) => describeEntry(key, value))
        .sort(compareByKey),
    [attributes],
  )
  const needle = filter.trim().toLowerCase()
  const shown =
    needle === ''
      ? entries
      : entries.filter(
          (entry) =>
            entry.key.toLowerCase().includes(needle) || entry.text.toLowerCase().includes(needle),
        )

  if (entries.length === 0) return <p className="muted">None.</p>
  return (
    <>
      {searchable && entries.length > 1 && (
        <input
          type="search"
          className="attribute-filter"
          aria-label="Filter attributes"
          placeholder="Filter attributes by key or value"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
      )}
      <table className="attribute-table">
        <tbody>
          {shown.map((entry) => {
            const unknown = unknownKeys?.has(entry.key) ?? false
            return (
              <tr key={entry.key} className={unknown ? 'unknown-key' : undefined}>
                <th scope="row">
                  {entry.key}
                  {entry.display === 'embedded-json' && (
                    <span className="value-note" title="The value is a string containing this JSON">
                      JSON string
                    </span>
                  )}
                  {unknown && (
                    <span
                      className="value-note unknown-note"
                      title="A GenAI key that Loupe's normalizer does not understand"
                    >
                      not mapped by Loupe
                    </span>
                  )}
                </th>
                <td>
                  <AttributeValue entry={entry} />
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      {shown.length === 0 && <p className="muted">No attribute matches “{filter}”.</p>}
    </>
  )
}

function AttributeValue({ entry }: { entry: AttributeEntry }) {
  if (entry.scrubbedReason !== null) return <ScrubbedValue reason={entry.scrubbedReason} />
  if (entry.display === 'string' && entry.text.length <= LONG_TEXT_HEAD_CHARS) {
    return <pre className="value string-value">{`"${entry.text}"`}</pre>
  }
  return <LongText text={entry.text} />
}

function describeEntry(key: string, value: JsonValue): AttributeEntry {
  const reason = scrubbedReason(value)
  if (reason !== null) {
    return { key, text: String(value), display: 'scrubbed', scrubbedReason: reason }
  }
  const embedded = parseEmbeddedJson(value)
  if (embedded !== undefined) {
    return {
      key,
      text: JSON.stringify(embedded, null, 2),
      display: 'embedded-json',
      scrubbedReason: null,
    }
  }
  if (typeof value === 'string') {
    return { key, text: value, display: 'string', scrubbedReason: null }
  }
  return { key, text: formatJsonValue(value), display: 'json', scrubbedReason: null }
}

function compareByKey(a: { key: string }, b: { key: string }): number {
  if (a.key === b.key) return 0
  return a.key < b.key ? -1 : 1
}

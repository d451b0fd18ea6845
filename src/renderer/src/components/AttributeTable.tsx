import { useMemo, useState } from 'react'
import type { AttributeMap } from '../../../shared/api'
import { formatJsonValue, parseEmbeddedJson } from '../format'
import { LongText } from './LongText'

/** Renders attributes as a key/value table with values as JSON, optionally with a filter box. */
export function AttributeTable({
  attributes,
  searchable = false,
}: {
  attributes: AttributeMap
  searchable?: boolean
}) {
  const [filter, setFilter] = useState('')
  const entries = useMemo(
    () =>
      Object.entries(attributes)
        .map(([key, value]) => {
          const embedded = parseEmbeddedJson(value)
          return embedded === undefined
            ? { key, text: formatJsonValue(value), embedded: false }
            : { key, text: JSON.stringify(embedded, null, 2), embedded: true }
        })
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
          {shown.map((entry) => (
            <tr key={entry.key}>
              <th scope="row">
                {entry.key}
                {entry.embedded && (
                  <span className="value-note" title="The value is a string holding this JSON">
                    JSON string
                  </span>
                )}
              </th>
              <td>
                <LongText text={entry.text} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length === 0 && <p className="muted">No attribute matches “{filter}”.</p>}
    </>
  )
}

function compareByKey(a: { key: string }, b: { key: string }): number {
  if (a.key === b.key) return 0
  return a.key < b.key ? -1 : 1
}

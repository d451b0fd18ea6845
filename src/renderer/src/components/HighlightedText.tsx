import type { ReactNode } from 'react'

/** Shows `text` with every case-insensitive occurrence of `query` wrapped in <mark>. */
export function HighlightedText({ text, query }: { text: string; query: string }) {
  if (query === '') return <>{text}</>
  const lower = text.toLowerCase()
  const parts: ReactNode[] = []
  let from = 0
  for (let at = lower.indexOf(query); at >= 0; at = lower.indexOf(query, at + query.length)) {
    if (at > from) parts.push(text.slice(from, at))
    parts.push(<mark key={at}>{text.slice(at, at + query.length)}</mark>)
    from = at + query.length
  }
  if (parts.length === 0) return <>{text}</>
  parts.push(text.slice(from))
  return <>{parts}</>
}

// Search text as typed by a user, turned into an FTS5 query that cannot be
// a syntax error: every word and "quoted phrase" becomes an FTS5 string, so
// operators such as AND, NEAR, -, : and ( are searched as text.

import type { SnippetPart } from '../../shared/trace-filter'

/** Character that starts a match in snippets from search_text. */
export const SNIPPET_OPEN = '\u0001'
/** Character that ends a match in snippets from search_text. */
export const SNIPPET_CLOSE = '\u0002'

/**
 * Returns the FTS5 query for `text`: each word and "quoted phrase" must occur
 * in the same span or log record, in any column. A word ending in `*`
 * matches words that start with it (`forec*` finds "forecast").
 */
export function ftsQuery(text: string): string {
  const terms: string[] = []
  for (const match of text.matchAll(/"([^"]*)"|(\S+)/g)) {
    const phrase = match[1]
    if (phrase !== undefined) {
      if (phrase.trim() !== '') terms.push(ftsString(phrase))
      continue
    }
    const word = match[2]!
    const prefix = word.length > 1 && word.endsWith('*')
    terms.push(prefix ? `${ftsString(word.slice(0, -1))}*` : ftsString(word))
  }
  return terms.join(' ')
}

function ftsString(text: string): string {
  return `"${text.replace(/"/g, '""')}"`
}

/** Splits a snippet marked with SNIPPET_OPEN and SNIPPET_CLOSE into plain and matched parts. */
export function snippetParts(marked: string): SnippetPart[] {
  const parts: SnippetPart[] = []
  let rest = marked
  while (rest !== '') {
    const open = rest.indexOf(SNIPPET_OPEN)
    if (open < 0) {
      parts.push({ text: rest, match: false })
      break
    }
    if (open > 0) parts.push({ text: rest.slice(0, open), match: false })
    const close = rest.indexOf(SNIPPET_CLOSE, open)
    const end = close < 0 ? rest.length : close
    parts.push({ text: rest.slice(open + 1, end), match: true })
    rest = close < 0 ? '' : rest.slice(close + 1)
  }
  return parts.filter((part) => part.text !== '')
}

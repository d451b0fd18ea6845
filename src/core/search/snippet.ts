// Snippets of search matches. The index keeps no copy of the text (the
// search_text table is contentless), so the text of a matched span is
// extracted again and the search terms are found in it here.

import type { MatchField, SnippetPart } from '../../shared/trace-filter'
import { foldWord, tokenStream, type SearchTerm, type Token } from './fts-query'
import type { SearchColumns } from './text'

/** Words of context in a snippet, the matched ones included. */
const SNIPPET_WORDS = 16
/** Words shown before the first match. */
const WORDS_BEFORE = 4

/**
 * Columns in the order they are preferred when several contain as many
 * terms. Short columns come first, and messages, the longest, last.
 */
const FIELDS: readonly MatchField[] = [
  'toolArguments',
  'toolResult',
  'error',
  'log',
  'name',
  'messages',
]

export interface Snippet {
  field: MatchField
  parts: SnippetPart[]
}

/**
 * Returns the column that contains the most search terms, with a snippet
 * around its first match, or null when no column contains any.
 */
export function buildSnippet(columns: SearchColumns, terms: readonly SearchTerm[]): Snippet | null {
  // A quick substring test ranks the columns; reading words then confirms the
  // match, because a substring can sit inside a longer word.
  const candidates = FIELDS.map((field) => ({
    field,
    score: termsPresent(columns[field], terms),
  }))
    .filter((candidate) => candidate.score > 0)
    .sort((a, b) => b.score - a.score)
  for (const { field } of candidates) {
    const parts = snippetOf(columns[field], terms)
    if (parts !== null) return { field, parts }
  }
  return null
}

/** Returns how many terms have every word somewhere in the folded text. */
function termsPresent(text: string, terms: readonly SearchTerm[]): number {
  if (text === '') return 0
  const folded = foldWord(text)
  return terms.filter((term) => term.tokens.every((token) => folded.includes(token))).length
}

/**
 * Reads words until the first match and a snippet's worth after it, and
 * returns the snippet, or null when no term matches whole words.
 */
function snippetOf(text: string, terms: readonly SearchTerm[]): SnippetPart[] | null {
  const tokens: Token[] = []
  const longestTerm = Math.max(...terms.map((term) => term.tokens.length))
  let firstMatch = -1
  let complete = true
  for (const token of tokenStream(text)) {
    tokens.push(token)
    if (firstMatch < 0) {
      const term = terms.find((candidate) => endsAt(tokens, tokens.length - 1, candidate))
      if (term) firstMatch = tokens.length - term.tokens.length
    } else if (
      tokens.length >
      Math.max(0, firstMatch - WORDS_BEFORE) + SNIPPET_WORDS + longestTerm
    ) {
      complete = false
      break
    }
  }
  if (firstMatch < 0) return null
  const ranges: [number, number][] = []
  for (let last = 0; last < tokens.length; last++) {
    const term = terms.find((candidate) => endsAt(tokens, last, candidate))
    if (term) ranges.push([last - term.tokens.length + 1, last])
  }
  return cutAround(text, tokens, ranges, complete)
}

/** Returns true when `term` matches the words that end at index `last`. */
function endsAt(tokens: readonly Token[], last: number, term: SearchTerm): boolean {
  const first = last - term.tokens.length + 1
  if (first < 0) return false
  return term.tokens.every((wanted, offset) => {
    const word = tokens[first + offset]!.folded
    return term.prefix && offset === term.tokens.length - 1
      ? word.startsWith(wanted)
      : word === wanted
  })
}

/**
 * Cuts the text to about SNIPPET_WORDS words from a little before the first
 * match. `complete` is false when `tokens` stops before the end of the text.
 */
function cutAround(
  text: string,
  tokens: readonly Token[],
  ranges: readonly [number, number][],
  complete: boolean,
): SnippetPart[] {
  const firstWord = Math.max(0, ranges[0]![0] - WORDS_BEFORE)
  const lastWord = Math.min(tokens.length - 1, firstWord + SNIPPET_WORDS - 1)
  const from = firstWord === 0 ? 0 : tokens[firstWord]!.start
  const to = complete && lastWord === tokens.length - 1 ? text.length : tokens[lastWord]!.end
  const parts: SnippetPart[] = []
  const push = (part: SnippetPart) => {
    if (part.text === '') return
    const previous = parts.at(-1)
    if (previous !== undefined && previous.match === part.match) previous.text += part.text
    else parts.push(part)
  }
  if (from > 0) push({ text: '… ', match: false })
  let at = from
  for (const [first, last] of ranges) {
    const start = tokens[first]!.start
    const end = tokens[last]!.end
    if (start < at || end > to) continue
    push({ text: oneLine(text.slice(at, start)), match: false })
    push({ text: oneLine(text.slice(start, end)), match: true })
    at = end
  }
  push({ text: oneLine(text.slice(at, to)), match: false })
  if (to < text.length) push({ text: ' …', match: false })
  return parts
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ')
}

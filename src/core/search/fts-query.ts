// Search text as typed by a user, read as words and "quoted phrases", and
// turned into an FTS5 query that cannot be a syntax error. Every term becomes
// an FTS5 string, so operators such as AND, NEAR, -, : and ( are searched as
// text. The tokenizer here splits and folds words like the search_text
// table's unicode61 tokenizer, so that snippets mark what FTS5 matched.

/** A word or quoted phrase of the search text. */
export interface SearchTerm {
  /** The words of the term, folded as the index folds them. */
  tokens: string[]
  /** True for a word typed with a trailing `*`, which matches words that start with it. */
  prefix: boolean
  /** The term as typed, without quotes or `*`. */
  text: string
}

/**
 * Reads the words and "quoted phrases" of search text. Terms without any
 * letter or digit are left out, since the index has no words for them.
 */
export function parseSearchTerms(text: string): SearchTerm[] {
  const terms: SearchTerm[] = []
  for (const match of text.matchAll(/"([^"]*)"|(\S+)/g)) {
    const phrase = match[1]
    const word = match[2]
    let termText: string
    let prefix = false
    if (phrase !== undefined) {
      termText = phrase
    } else {
      prefix = word!.length > 1 && word!.endsWith('*')
      termText = prefix ? word!.slice(0, -1) : word!
    }
    const tokens = tokenize(termText).map((token) => token.folded)
    if (tokens.length > 0) terms.push({ tokens, prefix, text: termText })
  }
  return terms
}

/** Returns the FTS5 query in which every term must occur in the same row, in any column. */
export function ftsQuery(terms: readonly SearchTerm[]): string {
  return terms
    .map((term) => {
      const phrase = `"${term.text.replace(/"/g, '""')}"`
      return term.prefix ? `${phrase}*` : phrase
    })
    .join(' ')
}

/** A word of a text, with its place in the text and its folded form. */
export interface Token {
  start: number
  end: number
  folded: string
}

/**
 * Splits text into words like SQLite's unicode61 tokenizer with
 * remove_diacritics 2: runs of letters, digits and marks, lower-cased, with
 * diacritics removed.
 */
export function tokenize(text: string): Token[] {
  return [...tokenStream(text)]
}

/** Yields the words of `tokenize` one by one, so that a caller can stop early. */
export function* tokenStream(text: string): Generator<Token> {
  const pattern = /[\p{L}\p{N}\p{M}\p{Co}]+/gu
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const folded = foldWord(match[0])
    if (folded !== '') yield { start: match.index, end: match.index + match[0].length, folded }
  }
}

/** Folds text as the index does: lower case, without diacritics. */
export function foldWord(text: string): string {
  const lower = text.toLowerCase()
  // ASCII text has no diacritics, and most text is ASCII, so skip the Unicode work.
  // eslint-disable-next-line no-control-regex -- the range is all of ASCII
  if (/^[\u0000-\u007f]*$/.test(lower)) return lower
  return lower.normalize('NFD').replace(/\p{M}/gu, '')
}

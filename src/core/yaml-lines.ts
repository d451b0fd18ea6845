// YAML parsing that keeps line numbers, for files whose error messages
// point at the line of each mistake (alert rules, gateway scenarios).

import { LineCounter, parseDocument, type Document } from 'yaml'

/** A parsed YAML document with its syntax errors and line lookups. */
export interface LinedYaml {
  document: Document
  /** Syntax errors as "line N: message", empty when the text parsed. */
  syntaxProblems: string[]
  /** Returns the line of the node at `path`, or of its nearest ancestor when the key is missing. */
  lineOf(path: PropertyKey[]): number | null
}

/** Parses YAML text into a document whose nodes and syntax errors map back to 1-based lines. */
export function parseYamlWithLines(text: string): LinedYaml {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, prettyErrors: false })
  const syntaxProblems = document.errors.map((error) => {
    const line = lineCounter.linePos(error.pos[0]).line
    return `line ${line}: ${error.message.split('\n')[0]}`
  })
  const lineOf = (path: PropertyKey[]): number | null => {
    for (let length = path.length; length >= 0; length--) {
      const node = document.getIn(path.slice(0, length) as (string | number)[], true) as
        { range?: [number, number, number] } | undefined
      if (node?.range) return lineCounter.linePos(node.range[0]).line
    }
    return null
  }
  return { document, syntaxProblems, lineOf }
}

// Monaco's SQL language (syntax colors from monaco-editor's basic
// languages) with completion of the SQL explorer's views, columns and
// functions. Completion providers are global per language, so one provider
// reads the schema that the explorer last set.

import 'monaco-editor/esm/vs/basic-languages/sql/sql.contribution.js'
import type { QuerySchemaJson } from '../../../shared/dashboards'
import { sqlCompletions, type SqlCompletionKind } from '../sql-completion'
import { monaco } from './setup'

let schema: QuerySchemaJson = { views: [], functions: [] }
let registered = false

const KINDS: Record<SqlCompletionKind, monaco.languages.CompletionItemKind> = {
  view: monaco.languages.CompletionItemKind.Class,
  column: monaco.languages.CompletionItemKind.Field,
  function: monaco.languages.CompletionItemKind.Function,
  keyword: monaco.languages.CompletionItemKind.Keyword,
}

/** Sets the views and functions that SQL completion offers, and registers the provider once. */
export function setSqlSchema(next: QuerySchemaJson): void {
  schema = next
  if (registered) return
  registered = true
  monaco.languages.registerCompletionItemProvider('sql', {
    triggerCharacters: ['.'],
    provideCompletionItems(model, position) {
      const word = model.getWordUntilPosition(position)
      const range = new monaco.Range(
        position.lineNumber,
        word.startColumn,
        position.lineNumber,
        word.endColumn,
      )
      const textBefore = model.getValueInRange(
        new monaco.Range(1, 1, position.lineNumber, position.column),
      )
      const suggestions = sqlCompletions(textBefore, model.getValue(), schema).map((item) => ({
        label: item.label,
        kind: KINDS[item.kind],
        detail: item.detail,
        insertText: item.insertText,
        range,
      }))
      return { suggestions }
    },
  })
}

export { monaco }

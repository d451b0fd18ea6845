import type { TreeSpan } from '../../../shared/api'

export interface RowLabel {
  /** The main text of the row: Logfire's formatted message, or the span name. */
  title: string
  /**
   * The span name shown after the title, or null when it would add nothing:
   * it equals the title, the title starts with it, or it is a message
   * template such as "chat_turn {user}". Other names stay visible, because
   * the OTel span name ("execute_tool get_rate") is what users search for.
   */
  secondaryName: string | null
}

/** Returns what a tree row shows for a span: its title and, when informative, its name. */
export function rowLabel(span: TreeSpan): RowLabel {
  const name = span.name
  const title = span.title !== '' ? span.title : name
  if (title === name || name === '') return { title: title || '(no name)', secondaryName: null }
  const isTemplate = /\{[^}]*\}/.test(name)
  if (isTemplate || title.startsWith(name)) return { title, secondaryName: null }
  return { title, secondaryName: name }
}

import { lazy, Suspense, useCallback, useState } from 'react'
import type { CassetteCallJson, ReplyEditJson } from '../../../shared/api'
import {
  editSummary,
  parseReplyEdit,
  REPLY_EDIT_SCHEMA,
  replyEditText,
  sameJsonText,
  upsertEdit,
} from '../fork-edits'
import { cassetteCallLabel } from '../replay-form'

const JsonEditor = lazy(() => import('./JsonEditor'))

export interface ForkEditorProps {
  /** The recorded calls of the source's cassette. */
  calls: readonly CassetteCallJson[]
  edits: readonly ReplyEditJson[]
  onChange: (edits: ReplyEditJson[]) => void
}

/**
 * Edits the recorded replies of a replay's source: pick a call, change its
 * reply (text and tool calls) in a JSON editor, and add it as an edit. A
 * replay with edits is stored as a fork of its source.
 */
export function ForkEditor({ calls, edits, onChange }: ForkEditorProps) {
  const [chosen, setChosen] = useState<{ spanId: string; text: string } | null>(null)
  const [editorProblems, setEditorProblems] = useState<string[]>([])
  const onText = useCallback(
    (text: string) => setChosen((current) => (current === null ? null : { ...current, text })),
    [],
  )

  const choose = (spanId: string) => {
    const call = calls.find((candidate) => candidate.spanId === spanId)
    setEditorProblems([])
    if (call === undefined) {
      setChosen(null)
      return
    }
    const edit = edits.find((candidate) => candidate.spanId === spanId)
    setChosen({ spanId, text: replyEditText(call, edit) })
  }
  const chosenIndex = calls.findIndex((call) => call.spanId === chosen?.spanId)
  const chosenCall = calls[chosenIndex]
  const parsed = chosen === null ? null : parseReplyEdit(chosen.spanId, chosen.text)
  // Monaco reports syntax and schema problems by line, and the parser what the core would reject.
  const problems = [...editorProblems, ...(parsed?.error ? [parsed.error] : [])]
  const currentEdit = edits.find((edit) => edit.spanId === chosen?.spanId)
  const editedAlready = currentEdit !== undefined
  // A change counts only once added, so say so while the editor differs from what the replay would send.
  const unsaved =
    chosen !== null &&
    chosenCall !== undefined &&
    !sameJsonText(chosen.text, replyEditText(chosenCall, currentEdit))

  const add = () => {
    if (parsed?.edit == null) return
    onChange(upsertEdit(edits, parsed.edit, calls))
  }
  const remove = (spanId: string) => onChange(edits.filter((edit) => edit.spanId !== spanId))

  return (
    <fieldset className="fork-editor" data-testid="fork-editor">
      <legend>Fork: edit recorded replies</legend>
      <p className="muted">
        Replace the reply of one or more recorded model calls: its text, its tool calls or their
        arguments. The replay serves the edited reply in place of the recorded one, and the new run
        is stored as a fork of the source. A tool call without an <code>id</code> keeps the recorded
        id at its position, so the agent&apos;s tool results still pair with it.
      </p>
      <label className="run-field">
        <span>Call to edit</span>
        <select
          value={chosen?.spanId ?? ''}
          onChange={(event) => choose(event.target.value)}
          disabled={calls.length === 0}
          data-testid="fork-call"
        >
          <option value="">Choose a recorded call</option>
          {calls.map((call, index) => (
            <option key={call.spanId} value={call.spanId} disabled={call.reply === null}>
              {edits.some((edit) => edit.spanId === call.spanId) ? '(edited) ' : ''}
              {cassetteCallLabel(call, index)}
            </option>
          ))}
        </select>
      </label>
      {chosen !== null && chosenCall !== undefined && (
        <div className="fork-reply">
          <p className="muted">
            Reply of call {chosenIndex + 1}, span <code>{chosen.spanId}</code>
            {chosenCall.request.lastUserText !== null && (
              <>
                , which answered <q>{chosenCall.request.lastUserText}</q>
              </>
            )}
            :
          </p>
          <Suspense fallback={<p className="muted">Loading the editor…</p>}>
            <JsonEditor
              key={chosen.spanId}
              value={chosen.text}
              onChange={onText}
              label={`Reply of call ${chosenIndex + 1} (JSON)`}
              kind="reply-edit"
              schema={REPLY_EDIT_SCHEMA}
              onProblems={setEditorProblems}
              testId="fork-reply-editor"
            />
          </Suspense>
          {problems.length > 0 && (
            <ul className="editor-problems" data-testid="fork-problems">
              {problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          )}
          {unsaved && (
            <p className="muted" data-testid="fork-unsaved">
              The replay uses this change only after <strong>Add the edit</strong> or{' '}
              <strong>Update the edit</strong>.
            </p>
          )}
          <div className="run-actions">
            <button
              type="button"
              onClick={add}
              disabled={problems.length > 0 || parsed?.edit == null}
              data-testid="fork-add"
            >
              {editedAlready ? 'Update the edit' : 'Add the edit'}
            </button>
            <button
              type="button"
              onClick={() => setChosen({ ...chosen, text: replyEditText(chosenCall, undefined) })}
              data-testid="fork-reset"
            >
              Reset to the recorded reply
            </button>
          </div>
        </div>
      )}
      {edits.length > 0 && (
        <ul className="fork-edits" data-testid="fork-edits">
          {edits.map((edit) => {
            const index = calls.findIndex((call) => call.spanId === edit.spanId)
            return (
              <li key={edit.spanId} data-testid="fork-edit" data-span-id={edit.spanId}>
                <span>
                  Call {index + 1} (span <code>{edit.spanId}</code>): {editSummary(edit)}
                </span>
                <button type="button" onClick={() => choose(edit.spanId)}>
                  Edit
                </button>
                <button type="button" onClick={() => remove(edit.spanId)} data-testid="fork-remove">
                  Remove
                </button>
              </li>
            )
          })}
        </ul>
      )}
    </fieldset>
  )
}

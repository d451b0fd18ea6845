import { lazy, Suspense, useCallback, useState, type FormEvent } from 'react'
import type { SingleCallJson, SingleCallResult } from '../../../shared/api'
import { errorMessage } from '../api'
import { useApi } from '../api-context'
import { useSingleCall } from '../hooks/use-single-call'
import { playgroundHash, traceHash } from '../route'
import {
  parseCallRequest,
  replyOfCompletion,
  replyOfMessages,
  toolCallText,
  type CallReply,
} from '../single-call'
import { ErrorNotice } from './ErrorNotice'

const JsonEditor = lazy(() => import('./JsonEditor'))

type CallMode = 'mock' | 'record'

const MODE_LABELS: Record<CallMode, string> = { mock: 'Mock model', record: 'Real provider' }

const MODE_HINTS: Record<CallMode, string> = {
  mock: "Loupe's automatic mock model answers, without a key and without cost.",
  record:
    'The call goes to the real provider with the API key from the environment of `loupe serve` ' +
    '(or of the desktop app), and the gateway records it. Keys are never entered here.',
}

/**
 * Renders one model-call span as an editable Chat Completions request: its
 * messages (tool calls and tool results with their ids), tools and
 * settings. Run sends it through the gateway, to the mock or the real
 * provider, and the new reply shows next to the original one.
 */
export function CallPage({ traceId, spanId }: { traceId: string; spanId: string }) {
  const { call, error } = useSingleCall(traceId, spanId)
  return (
    <main className="page call-page" data-testid="call-page">
      <h1>Single model call</h1>
      <p className="muted">
        The request of model call <a href={traceHash(traceId, spanId)}>{spanId}</a>, rebuilt as an
        OpenAI Chat Completions body. Edit its messages, tools or settings and run it again; it runs
        through Loupe&apos;s gateway as a run of its own.
      </p>
      {error !== null && (
        <ErrorNotice title={`Could not load the request of span ${spanId}`} message={error} />
      )}
      {call === null ? (
        error === null && <p className="muted">Loading the request…</p>
      ) : (
        <CallEditor call={call} />
      )}
    </main>
  )
}

function CallEditor({ call }: { call: SingleCallJson }) {
  const { client } = useApi()
  const recorded = JSON.stringify(call.request, null, 2)
  const [text, setText] = useState(recorded)
  const [editorProblems, setEditorProblems] = useState<string[]>([])
  const [mode, setMode] = useState<CallMode>('mock')
  const [running, setRunning] = useState(false)
  const [result, setResult] = useState<SingleCallResult | null>(null)
  const [runError, setRunError] = useState<string | null>(null)
  const onText = useCallback((next: string) => setText(next), [])

  const parsed = parseCallRequest(text)
  const problems = [...editorProblems, ...(parsed.error ? [parsed.error] : [])]
  const run = (event: FormEvent) => {
    event.preventDefault()
    if (parsed.request === null) return
    setRunning(true)
    setRunError(null)
    client.runCall({ request: parsed.request, mode }).then(
      (answer) => {
        setRunning(false)
        setResult(answer)
      },
      (caught: unknown) => {
        setRunning(false)
        setRunError(errorMessage(caught))
      },
    )
  }

  return (
    <>
      <form className="run-form call-form" onSubmit={run} aria-label="Run the model call">
        <Suspense fallback={<p className="muted">Loading the editor…</p>}>
          <JsonEditor
            value={text}
            onChange={onText}
            label="Chat Completions request (JSON)"
            kind="chat-request"
            schema={null}
            onProblems={setEditorProblems}
            testId="call-request-editor"
          />
        </Suspense>
        {problems.length > 0 && (
          <ul className="editor-problems" data-testid="call-problems">
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
        <fieldset className="run-modes">
          <legend>Model</legend>
          {(Object.keys(MODE_LABELS) as CallMode[]).map((name) => (
            <label key={name} title={MODE_HINTS[name]}>
              <input
                type="radio"
                name="call-mode"
                value={name}
                checked={mode === name}
                onChange={() => setMode(name)}
                data-testid={`call-mode-${name}`}
              />
              {MODE_LABELS[name]}
            </label>
          ))}
          <p className="muted mode-hint">{MODE_HINTS[mode]}</p>
        </fieldset>
        <div className="run-actions">
          <button
            type="submit"
            className="primary"
            disabled={running || problems.length > 0}
            data-testid="call-run"
          >
            {running ? 'Running…' : 'Run'}
          </button>
          <button type="button" onClick={() => setText(recorded)} disabled={text === recorded}>
            Reset to the recorded request
          </button>
        </div>
      </form>
      {runError !== null && <ErrorNotice title="Could not run the call" message={runError} />}
      <div className="call-replies">
        <section className="call-reply" aria-label="Original reply" data-testid="call-original">
          <h2>Original reply</h2>
          <ReplyView reply={replyOfMessages(call.original)} empty="The span recorded no reply." />
        </section>
        <NewReply result={result} running={running} />
      </div>
    </>
  )
}

function NewReply({ result, running }: { result: SingleCallResult | null; running: boolean }) {
  const outcome = result === null ? null : replyOfCompletion(result)
  return (
    <section className="call-reply" aria-label="New reply" data-testid="call-new">
      <h2>New reply</h2>
      {result === null ? (
        <p className="muted">
          {running ? 'Waiting for the reply…' : 'Run the call to see it here.'}
        </p>
      ) : (
        <>
          <p className="muted" data-testid="call-new-run">
            Run <a href={playgroundHash(result.runId)}>{result.runId}</a>,{' '}
            <a href={traceHash(result.traceId)} data-testid="call-trace-link">
              open its trace
            </a>{' '}
            to see what the model received.
          </p>
          {outcome?.error != null ? (
            <p className="call-error" role="alert" data-testid="call-new-error">
              {outcome.error}
            </p>
          ) : (
            <ReplyView reply={outcome?.reply ?? null} empty="The response has no reply." />
          )}
        </>
      )}
    </section>
  )
}

function ReplyView({ reply, empty }: { reply: CallReply | null; empty: string }) {
  if (reply === null) return <p className="muted">{empty}</p>
  return (
    <>
      {reply.text !== null ? (
        <pre className="call-reply-text" data-testid="reply-text">
          {reply.text}
        </pre>
      ) : (
        <p className="muted">No text.</p>
      )}
      {reply.toolCalls.length > 0 && (
        <ul className="call-tool-calls">
          {reply.toolCalls.map((toolCall, index) => (
            <li key={index} data-testid="reply-tool-call">
              <code>{toolCallText(toolCall)}</code>
              {toolCall.id !== null && <span className="muted"> id {toolCall.id}</span>}
            </li>
          ))}
        </ul>
      )}
      {reply.finishReason !== null && (
        <p className="muted" data-testid="reply-finish-reason">
          Finish reason: {reply.finishReason}
        </p>
      )}
    </>
  )
}

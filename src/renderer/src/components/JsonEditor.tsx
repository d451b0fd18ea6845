import { useEffect, useRef } from 'react'
import type { JsonValue } from '../../../shared/api'
import { setJsonSchema } from '../monaco/json-schemas'
import { monaco } from '../monaco/setup'

let nextModel = 0

export interface JsonEditorProps {
  value: string
  onChange: (text: string) => void
  /** The editor's accessible name, such as "Reply of call 2 (JSON)". */
  label: string
  /** Names the editor's models (`loupe://editors/<kind>-N.json`), so that the schema of one kind applies to all of them. */
  kind: string
  /** The JSON Schema to validate against; null validates JSON syntax only. */
  schema: JsonValue | null
  /** Receives the editor's problems ("line 3: ...") after each check. */
  onProblems: (problems: string[]) => void
  testId: string
}

/**
 * Renders an editable Monaco editor for a JSON document, validated against
 * a schema, with its completions and hovers. Loaded lazily because Monaco
 * is large.
 */
export default function JsonEditor(props: JsonEditorProps) {
  const { value, kind, schema, label } = props
  const containerRef = useRef<HTMLDivElement>(null)
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null)
  const callbacks = useRef({ onChange: props.onChange, onProblems: props.onProblems })
  useEffect(() => {
    callbacks.current = { onChange: props.onChange, onProblems: props.onProblems }
  }, [props.onChange, props.onProblems])

  useEffect(() => {
    const container = containerRef.current
    if (container === null) return
    const uri = monaco.Uri.parse(`loupe://editors/${kind}-${nextModel++}.json`)
    const model = monaco.editor.createModel(value, 'json', uri)
    const dark = window.matchMedia('(prefers-color-scheme: dark)')
    const editor = monaco.editor.create(container, {
      model,
      ariaLabel: label,
      theme: dark.matches ? 'vs-dark' : 'vs',
      automaticLayout: true,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontSize: 12,
      tabSize: 2,
      wordWrap: 'on',
      stickyScroll: { enabled: false },
      scrollbar: { alwaysConsumeMouseWheel: false },
    })
    editorRef.current = editor
    const changes = model.onDidChangeContent(() => callbacks.current.onChange(model.getValue()))
    const markers = monaco.editor.onDidChangeMarkers((uris) => {
      if (!uris.some((changed) => changed.toString() === uri.toString())) return
      const problems = monaco.editor
        .getModelMarkers({ resource: uri })
        .map((marker) => `line ${marker.startLineNumber}: ${marker.message}`)
      callbacks.current.onProblems(problems)
    })
    return () => {
      markers.dispose()
      changes.dispose()
      editor.dispose()
      model.dispose()
      editorRef.current = null
    }
    // The editor is created once per kind and label; `value` changes from outside are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind, label])

  useEffect(() => {
    const model = editorRef.current?.getModel()
    if (model && model.getValue() !== value) model.setValue(value)
  }, [value])

  useEffect(() => {
    setJsonSchema(`loupe://schemas/${kind}.schema.json`, [`**/${kind}-*.json`], schema)
  }, [kind, schema])

  return <div ref={containerRef} className="json-editor" data-testid={props.testId} />
}

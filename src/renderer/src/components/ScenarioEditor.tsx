import { useEffect, useRef } from 'react'
import type { JsonValue } from '../../../shared/api'
import { setJsonSchema } from '../monaco/json-schemas'
import { monaco } from '../monaco/setup'

const SCHEMA_URI = 'loupe://schemas/scenario.schema.json'
let nextModel = 0

export interface ScenarioEditorProps {
  value: string
  onChange: (text: string) => void
  /** The scenario JSON Schema; null validates JSON syntax only. */
  schema: JsonValue | null
  /** Receives the editor's problems ("line 3: ...") after each check. */
  onProblems: (problems: string[]) => void
}

/**
 * Renders an editable Monaco editor for a scenario in JSON, validated against
 * the scenario schema, with its completions and hovers. Loaded lazily
 * because Monaco is large.
 */
export default function ScenarioEditor({
  value,
  onChange,
  schema,
  onProblems,
}: ScenarioEditorProps) {
  const containerRef = useRef<HTMLDivElement>(null)
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null)
  const callbacks = useRef({ onChange, onProblems })
  useEffect(() => {
    callbacks.current = { onChange, onProblems }
  }, [onChange, onProblems])

  useEffect(() => {
    const container = containerRef.current
    if (container === null) return
    const uri = monaco.Uri.parse(`loupe://playground/scenario-${nextModel++}.json`)
    const model = monaco.editor.createModel(value, 'json', uri)
    const dark = window.matchMedia('(prefers-color-scheme: dark)')
    const editor = monaco.editor.create(container, {
      model,
      ariaLabel: 'Scenario (JSON)',
      theme: dark.matches ? 'vs-dark' : 'vs',
      automaticLayout: true,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontSize: 12,
      tabSize: 2,
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
    // The editor is created once; `value` changes from outside are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  useEffect(() => {
    const model = editorRef.current?.getModel()
    if (model && model.getValue() !== value) model.setValue(value)
  }, [value])

  useEffect(() => {
    setJsonSchema(SCHEMA_URI, ['**/scenario-*.json'], schema)
  }, [schema])

  return <div ref={containerRef} className="scenario-editor" data-testid="scenario-editor" />
}

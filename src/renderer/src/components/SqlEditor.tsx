import { useEffect, useRef } from 'react'
import type { QuerySchemaJson } from '../../../shared/dashboards'
import { monaco, setSqlSchema } from '../monaco/sql'

export interface SqlEditorProps {
  value: string
  onChange: (sql: string) => void
  /** Called on Ctrl+Enter (Cmd+Enter on macOS). */
  onRun: () => void
  schema: QuerySchemaJson | null
}

/**
 * Renders an editable Monaco editor for one SQL statement, with completion
 * of the documented views and their columns. Loaded lazily because Monaco
 * is large.
 */
export default function SqlEditor(props: SqlEditorProps) {
  const containerRef = useRef<HTMLDivElement>(null)
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null)
  const callbacks = useRef({ onChange: props.onChange, onRun: props.onRun })
  useEffect(() => {
    callbacks.current = { onChange: props.onChange, onRun: props.onRun }
  }, [props.onChange, props.onRun])

  useEffect(() => {
    const container = containerRef.current
    if (container === null) return
    const dark = window.matchMedia('(prefers-color-scheme: dark)')
    const editor = monaco.editor.create(container, {
      value: props.value,
      language: 'sql',
      ariaLabel: 'SQL query',
      theme: dark.matches ? 'vs-dark' : 'vs',
      automaticLayout: true,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontSize: 13,
      tabSize: 2,
      wordWrap: 'on',
      stickyScroll: { enabled: false },
      scrollbar: { alwaysConsumeMouseWheel: false },
    })
    editorRef.current = editor
    editor.addAction({
      id: 'loupe.run-query',
      label: 'Run query',
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
      run: () => callbacks.current.onRun(),
    })
    const changes = editor.onDidChangeModelContent(() =>
      callbacks.current.onChange(editor.getValue()),
    )
    return () => {
      changes.dispose()
      editor.getModel()?.dispose()
      editor.dispose()
      editorRef.current = null
    }
    // The editor is created once; `value` changes from outside are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  useEffect(() => {
    const editor = editorRef.current
    if (editor !== null && editor.getValue() !== props.value) editor.setValue(props.value)
  }, [props.value])

  useEffect(() => {
    if (props.schema !== null) setSqlSchema(props.schema)
  }, [props.schema])

  return <div ref={containerRef} className="sql-editor" data-testid="sql-editor" />
}

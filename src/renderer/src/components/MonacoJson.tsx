import { useEffect, useRef } from 'react'
import { monaco } from '../monaco/setup'

/** Height of one line in px at the editor's 12 px font. */
const LINE_HEIGHT = 18
/** Tallest editor in px; longer documents scroll inside it. */
const MAX_HEIGHT = 360
const PADDING = 8

/**
 * Renders a read-only Monaco editor showing JSON text, sized to its content up to
 * MAX_HEIGHT. Loaded lazily (see JsonView) because Monaco is large.
 */
export default function MonacoJson({ text, label }: { text: string; label: string }) {
  const containerRef = useRef<HTMLDivElement>(null)
  const lineCount = countLines(text)
  const height = Math.min(MAX_HEIGHT, lineCount * LINE_HEIGHT + PADDING)

  useEffect(() => {
    const container = containerRef.current
    if (container === null) return
    const dark = window.matchMedia('(prefers-color-scheme: dark)')
    const editor = monaco.editor.create(container, {
      value: text,
      language: 'json',
      readOnly: true,
      domReadOnly: true,
      ariaLabel: label,
      theme: dark.matches ? 'vs-dark' : 'vs',
      automaticLayout: true,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      lineNumbers: lineCount > 1 ? 'on' : 'off',
      lineNumbersMinChars: 3,
      lineDecorationsWidth: 4,
      glyphMargin: false,
      folding: lineCount > 1,
      renderLineHighlight: 'none',
      overviewRulerLanes: 0,
      hideCursorInOverviewRuler: true,
      wordWrap: 'on',
      contextmenu: false,
      stickyScroll: { enabled: false },
      fontSize: 12,
      lineHeight: LINE_HEIGHT,
      padding: { top: PADDING / 2, bottom: PADDING / 2 },
      scrollbar: { alwaysConsumeMouseWheel: false, verticalScrollbarSize: 10 },
    })
    const onSchemeChange = (event: MediaQueryListEvent) =>
      monaco.editor.setTheme(event.matches ? 'vs-dark' : 'vs')
    dark.addEventListener('change', onSchemeChange)
    return () => {
      dark.removeEventListener('change', onSchemeChange)
      editor.getModel()?.dispose()
      editor.dispose()
    }
  }, [text, label, lineCount])

  return <div ref={containerRef} className="monaco-json" style={{ height }} />
}

function countLines(text: string): number {
  let lines = 1
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines++
  return lines
}

// Monaco, bundled with the app: the editor core with its standard features,
// the JSON language, and its two workers built by Vite from local files. No
// part of it loads from a CDN. This module is only imported by the lazily
// loaded JSON editor, so the trace list's first paint does not wait for it.

import * as monaco from 'monaco-editor/esm/vs/editor/editor.api.js'
import 'monaco-editor/esm/vs/editor/editor.all.js'
import 'monaco-editor/esm/vs/language/json/monaco.contribution.js'
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker'
import JsonWorker from 'monaco-editor/esm/vs/language/json/json.worker.js?worker'

self.MonacoEnvironment = {
  getWorker(_workerId: string, label: string): Worker {
    return label === 'json' ? new JsonWorker() : new EditorWorker()
  },
}

export { monaco }

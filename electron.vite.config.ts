import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'

// One build for the three Electron targets. The "main" target also bundles
// the plain-Node entry points (the core's utility-process entry, the `loupe`
// CLI and the benchmark), because they share the core's code and its
// externalized native dependencies.
const root = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // The benchmark drives Chromium through playwright-core, a development
        // dependency, which is loaded from node_modules rather than bundled.
        external: ['playwright-core'],
        input: {
          index: resolve(root, 'src/main/index.ts'),
          'core-process': resolve(root, 'src/core/process.ts'),
          'genai-worker': resolve(root, 'src/core/genai/worker.ts'),
          'query-worker': resolve(root, 'src/core/query/worker.ts'),
          cli: resolve(root, 'src/cli/index.ts'),
          bench: resolve(root, 'bench/index.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve(root, 'src/preload/index.ts') } },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve(root, 'src/renderer/index.html') } },
    },
  },
})

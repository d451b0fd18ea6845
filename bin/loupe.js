#!/usr/bin/env node
// The `loupe` command: runs the CLI built into out/main by `npm run build`.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url))
if (!existsSync(cli)) {
  process.stderr.write(
    `loupe: ${cli} is missing; run \`npm run build\` in the Loupe folder first\n`,
  )
  process.exit(1)
}
await import(cli)

// Entry point of the `loupe` command. It holds V8's young generation small
// before the commands' modules load (see core/young-generation.ts), so it
// loads them with a dynamic import: static imports would run first.

import { holdYoungGeneration } from '../core/young-generation'

holdYoungGeneration()
const { main } = await import('./program')
main(process.argv).catch((error: unknown) => {
  process.stderr.write(`loupe: unexpected error: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 1
})

// Entry point of the `loupe` command. It limits V8's young generation while
// the commands' modules load (see core/young-generation.ts). It loads them
// with a dynamic import, because static imports would run before the limit.

import { holdYoungGeneration, releaseYoungGeneration } from '../core/young-generation'

holdYoungGeneration()
const { main } = await import('./program')
releaseYoungGeneration()
main(process.argv).catch((error: unknown) => {
  process.stderr.write(`loupe: unexpected error: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 1
})

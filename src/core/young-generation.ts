// A small young generation while Loupe's modules load. V8 doubles its young
// generation (the two semi-spaces of new space) each time the objects that
// survived scavenges since the last doubling outgrow it. Loading the modules
// makes nearly every object survive, so it grows from 1 MB to 8 MB
// semi-spaces during start-up, and V8's memory reducer shrinks it back only
// after about 9 s without activity. Holding the growth factor at 1 while the
// modules load keeps an idle core 6 to 8 MB smaller. The entry points hold
// it, load the other modules with a dynamic import, and release it.
//
// NOTE: Node documents changing V8 flags after start-up as unsupported. V8 11
// (Node 20) reads this flag at each growth step. A later V8 may ignore the
// change, which loses only the saving.

import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8'

/** V8's default growth factor of the young generation. */
const DEFAULT_GROWTH_FACTOR = 2

export function holdYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1')
}

/**
 * Size of new space (both semi-spaces) past which the young generation stops
 * growing. V8 grows it to 32 MB under ingest, in the worker thread too.
 * Capping it at 8 MB lowered the core's peak RSS under flat-out GenAI ingest
 * from about 350 to about 290 MB in `npm run bench`, at the same ingest rate.
 */
const MAX_NEW_SPACE_BYTES = 8 * 1024 * 1024
/** Interval between checks of the young generation's size, in milliseconds. */
const CHECK_INTERVAL_MS = 50

/**
 * Lets the young generation grow as by default, for the load that follows
 * start-up, until new space reaches MAX_NEW_SPACE_BYTES. A timer checks its
 * size and keeps the growth factor at 1 while it is that large, because V8
 * reads its maximum size only when the process starts. The flag is
 * process-wide, so while it is 1 the worker thread's young generation stops
 * growing too.
 *
 * NOTE: the timer cannot run during a long synchronous task, so new space can
 * grow one or two steps past the cap (to 16 or 32 MB) before it is held.
 */
export function releaseYoungGeneration(): void {
  let factor = 0
  const check = () => {
    const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')
    const next =
      newSpace !== undefined && newSpace.space_size >= MAX_NEW_SPACE_BYTES
        ? 1
        : DEFAULT_GROWTH_FACTOR
    if (next === factor) return
    setFlagsFromString(`--semi-space-growth-factor=${next}`)
    factor = next
  }
  check()
  setInterval(check, CHECK_INTERVAL_MS).unref()
}

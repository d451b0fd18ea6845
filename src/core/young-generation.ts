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

import { setFlagsFromString } from 'node:v8'

/** V8's default growth factor of the young generation. */
const DEFAULT_GROWTH_FACTOR = 2

export function holdYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1')
}

/** Lets the young generation grow as by default, for the load that follows start-up. */
export function releaseYoungGeneration(): void {
  setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`)
}

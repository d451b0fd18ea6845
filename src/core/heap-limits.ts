// Limits on V8's young generation for the core's threads. Under flat-out
// ingest V8 grows each thread's young generation to 16 MB semi-spaces (32 MB
// of new space), which took `loupe serve` to about 350 MB. With 4 MB
// semi-spaces it peaked at 254 to 286 MB at the same ingest rate and CPU per
// span (docs/benchmarks.md, "Young generation limit").
//
// A worker thread takes its limit when it is created, so the normalization
// worker is always limited. V8 reads the main thread's limit only when the
// process starts, so `npm start` passes CORE_NODE_FLAGS to `loupe serve`.
//
// NOTE: the desktop app's core keeps Electron's default limit for its main
// thread, because a utility process creates its V8 heap before it reads its
// execArgv. Its memory under load has not been measured.

/** Largest semi-space of the young generation, in MB. */
export const SEMI_SPACE_MB = 4

/** Node.js options that start a core process with the limit. */
export const CORE_NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${SEMI_SPACE_MB}`]

/**
 * Size of a worker's young generation with the same limit, in MB: V8 sizes
 * it as three semi-spaces (two for scavenges, one for large new objects).
 */
export const WORKER_YOUNG_GENERATION_MB = 3 * SEMI_SPACE_MB

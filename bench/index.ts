// Placeholder replaced by the ingest benchmark.
process.stdout.write('no benchmarks yet\n')

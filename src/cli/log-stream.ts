// Readable log lines for `loupe serve` in a terminal: pino's JSON records
// become "12:00:01 warn  message (key=value ...)". With --log-format json the
// records are written as they are, for log collectors.

import { Writable } from 'node:stream'

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
}
const SKIPPED = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg'])

export function humanLogStream(output: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue
        output.write(`${formatRecord(line)}\n`)
      }
      done()
    },
  })
}

function formatRecord(line: string): string {
  let record: Record<string, unknown>
  try {
    record = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const time = new Date(typeof record.time === 'number' ? record.time : Date.now())
    .toISOString()
    .slice(11, 19)
  const level = (LEVELS[record.level as number] ?? String(record.level)).padEnd(5)
  const extras = Object.entries(record)
    .filter(([key]) => !SKIPPED.has(key))
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
    )
  const err = record.err as { message?: string } | undefined
  const suffix =
    extras.length > 0 ? ` (${extras.filter((e) => !e.startsWith('err=')).join(' ')})` : ''
  const error = err?.message ? `: ${err.message}` : ''
  return `${time} ${level} ${String(record.msg ?? '')}${error}${suffix === ' ()' ? '' : suffix}`
}

/**
 * Reads a text/event-stream body and calls `onData` with the data lines of
 * each event, joined by newlines, in order. Events without data, such as
 * keep-alive comments, are skipped. Resolves when the stream ends.
 */
export async function readEventStream(
  body: NonNullable<Response['body']>,
  onData: (data: string) => void,
): Promise<void> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    buffer += value
    let end = buffer.indexOf('\n\n')
    while (end >= 0) {
      const data = eventData(buffer.slice(0, end))
      buffer = buffer.slice(end + 2)
      if (data !== '') onData(data)
      end = buffer.indexOf('\n\n')
    }
  }
}

function eventData(frame: string): string {
  return frame
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length))
    .join('\n')
}

import { errorHeadline } from '../api'

/**
 * Shows a failed request or action with the core's message, and the
 * problems it lists (each invalid scenario line, each call that cannot be
 * replayed) as a list below the message's first line.
 */
export function ErrorNotice({
  title,
  message,
  problems = [],
}: {
  title: string
  message: string
  problems?: readonly string[]
}) {
  return (
    <div className="error-notice" role="alert">
      <strong>{title}</strong>
      <span>{errorHeadline(message, problems)}</span>
      {problems.length > 0 && (
        <ul className="error-problems" data-testid="error-problems">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
    </div>
  )
}

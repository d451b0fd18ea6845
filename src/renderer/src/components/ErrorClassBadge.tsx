import { ERROR_CLASS_STATUS, type ErrorClass } from '../../../shared/genai'

/** The error class as a badge with its HTTP status in the tooltip; nothing for 'none'. */
export function ErrorClassBadge({ errorClass }: { errorClass: ErrorClass }) {
  if (errorClass === 'none') return null
  return (
    <span
      className={`badge error-class error-class-${errorClass}`}
      title={`Error class ${errorClass} (HTTP ${ERROR_CLASS_STATUS[errorClass]})`}
      data-testid="error-class"
    >
      {errorClass}
    </span>
  )
}

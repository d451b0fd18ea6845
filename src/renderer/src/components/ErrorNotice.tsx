/** Shows a failed request or action with the core's message. */
export function ErrorNotice({ title, message }: { title: string; message: string }) {
  return (
    <div className="error-notice" role="alert">
      <strong>{title}</strong>
      <span>{message}</span>
    </div>
  )
}

/**
 * Renders the service filter of a list: all services, the services seen so
 * far, and the selected one even when it is no longer among them.
 */
export function ServiceSelect({
  services,
  value,
  onChange,
}: {
  services: readonly string[]
  /** The selected service name, or '' for all services. */
  value: string
  onChange: (service: string) => void
}) {
  return (
    <label>
      Service
      <select
        aria-label="Filter by service"
        value={value}
        onChange={(event) => onChange(event.target.value)}
      >
        <option value="">all services</option>
        {[...new Set([...services, value])]
          .filter((service) => service !== '')
          .map((service) => (
            <option key={service} value={service}>
              {service}
            </option>
          ))}
      </select>
    </label>
  )
}

// The failure of an import from a remote query API, with a kind that the
// API maps to a status code.

/**
 * Why an import failed: invalid input (a trace id or base URL), a trace the
 * remote API does not have, a response that is not a trace or not a
 * success, or a host that could not be reached.
 */
export type RemoteImportFailure = 'input' | 'not-found' | 'response' | 'unreachable'

export class RemoteImportError extends Error {
  override name = 'RemoteImportError'

  constructor(
    message: string,
    readonly kind: RemoteImportFailure,
  ) {
    super(message)
  }
}

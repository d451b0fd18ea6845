/** The core API's base URL and the token that every request carries. */
export interface Connection {
  /** Base URL of the UI/API server, ending in '/'. API paths are relative to it. */
  baseUrl: string
  token: string
}

const TOKEN_STORAGE_KEY = 'loupe.token'

/**
 * Finds the core's API. In Electron the preload returns it. In a browser the
 * page is served by the core itself, so the base URL is the page's folder and
 * the token comes from the `?token=` that `loupe serve` prints. The token is
 * kept in localStorage, which only pages of this origin (Loupe's own port)
 * can read, so that reloads, new tabs and copied trace links work; it is
 * removed from the address bar so that it does not end up in bookmarks or
 * screenshots.
 */
export async function resolveConnection(): Promise<Connection> {
  if (window.loupe !== undefined) {
    const { baseUrl, token } = await window.loupe.getConnection()
    return { baseUrl: withTrailingSlash(baseUrl), token }
  }

  const url = new URL(window.location.href)
  const tokenFromUrl = url.searchParams.get('token')
  if (tokenFromUrl !== null) {
    window.localStorage.setItem(TOKEN_STORAGE_KEY, tokenFromUrl)
    url.searchParams.delete('token')
    window.history.replaceState(window.history.state, '', url.toString())
  }

  const token = tokenFromUrl ?? window.localStorage.getItem(TOKEN_STORAGE_KEY)
  if (token === null || token === '') {
    throw new Error(
      'No API token. Open the UI URL that `loupe serve` prints (it ends in ?token=…), ' +
        'or run `loupe serve` again to get a new one.',
    )
  }
  return { baseUrl: new URL('.', url).toString(), token }
}

function withTrailingSlash(baseUrl: string): string {
  return baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`
}

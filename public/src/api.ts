// The admin REST API from the browser: the session cookie goes along by itself; every request
// carries the CSRF token the login returned, and a marker so a 401 does not open the
// browser's own password box.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

let csrfToken = ''
export function setCsrfToken(token: string): void {
  csrfToken = token
}

/** Called when the session has ended (401): the app shows the login page. */
let onLoggedOut: () => void = () => {}
export function whenLoggedOut(fn: () => void): void {
  onLoggedOut = fn
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-requested-with': 'postern-admin' }
  if (csrfToken) headers['x-csrf-token'] = csrfToken
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`/api${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (res.status === 204) return undefined as T
  let data: unknown
  try {
    data = await res.json()
  } catch {
    data = undefined
  }
  if (!res.ok) {
    const message = (data as { error?: string } | undefined)?.error ?? `${res.status} ${res.statusText}`
    if (res.status === 401 && path !== '/session') onLoggedOut()
    throw new ApiError(res.status, message)
  }
  return data as T
}

export const enc = encodeURIComponent

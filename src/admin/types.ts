// Hono environment of the admin sub-app.
export interface AdminBindings {
  /** The client's IP, passed in by the HTTP server. */
  remoteAddress?: string
}

export interface AdminEnv {
  Bindings: AdminBindings
  Variables: { actor: string }
}

// The seam between the HTTP listener (Bun.serve, http-server.ts) and a portable HTTP sub-app
// that wants a WebSocket or a long-lived stream: plain types, no runtime API, so the sub-app
// stays web-standard and another runtime can provide the same bindings.

/** The open socket as the sub-app sees it. */
export interface WebSocketPeer {
  /** Sends one text message. */
  send(text: string): void
  close(code?: number, reason?: string): void
}

/** What the sub-app does with an accepted WebSocket. */
export interface WebSocketSession {
  /** The subprotocol the server agreed to (Sec-WebSocket-Protocol), e.g. "jmap". */
  protocol: string
  open(peer: WebSocketPeer): void
  /** A text message arrives as a string, a binary one as bytes. */
  message(data: string | Uint8Array): void
  close(code: number, reason: string): void
}

/** Bindings the listener adds to each request's env (Hono's c.env). */
export interface StreamingBindings {
  remoteAddress?: string
  /**
   * Upgrades this request to a WebSocket run by `session`; false when it is not a valid
   * upgrade request. Once true, the response the sub-app returns is ignored.
   */
  upgradeWebSocket?: (session: WebSocketSession) => boolean
  /** Exempts this request's response stream from the listener's idle timeout (event streams). */
  keepStreamOpen?: () => void
}

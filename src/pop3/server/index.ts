// The POP3 service (rfc1939, rfc2449, rfc2595, rfc5034, rfc6856) as a listener binding for
// `listen.pop3` (STLS) and `listen.pop3s` (implicit TLS). Loaded at start-up, so it stays tiny:
// the session code is imported on the first connection.
import type { Connection } from '../../net/index.ts'
import { createPop3Shared } from './shared.ts'
import type { Pop3Deps } from './types.ts'

export type { Pop3Deps } from './types.ts'

export interface Pop3Binding {
  handler: (conn: Connection) => Promise<void>
  onRefused: () => string
}

/** One binding per listener; `shared` (the maildrop locks) must be the same for pop3 and pop3s. */
export function pop3Protocol(deps: Pop3Deps, shared = sharedFor(deps)): Pop3Binding {
  let session: Promise<typeof import('./session.ts')> | undefined
  return {
    // rfc2449#section-8.1 has no code for "too busy"; SYS/TEMP says try again later.
    onRefused: () => '-ERR [SYS/TEMP] too many connections, try again later\r\n',
    async handler(conn) {
      session ??= import('./session.ts')
      await (await session).runSession(conn, deps, shared)
    },
  }
}

/**
 * pop3 and pop3s are two bindings made from the same services; the lock table lives with the
 * services object so a maildrop locked over one port is locked over the other too.
 */
const sharedByDeps = new WeakMap<Pop3Deps, ReturnType<typeof createPop3Shared>>()
function sharedFor(deps: Pop3Deps) {
  let shared = sharedByDeps.get(deps)
  if (!shared) {
    shared = createPop3Shared()
    sharedByDeps.set(deps, shared)
  }
  return shared
}

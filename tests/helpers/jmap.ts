// A JMAP client for tests: a whole test server with one account, and helpers that make API
// requests with its credentials over real HTTP.
import type { Resolver } from '../../src/dns/index.ts'
import { startTestServer, type TestServer } from './server.ts'

export const jmapUsing = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail']

export type Call = [string, Record<string, unknown>, string]

export interface JmapTestAccount {
  email: string
  password: string
  /** The JMAP accountId (from the session resource). */
  accountId: string
  authorization: string
}

export interface JmapTestServer {
  server: TestServer
  base: string
  alice: JmapTestAccount
  bob: JmapTestAccount
  close(): Promise<void>
}

export function basic(email: string, password: string): string {
  return `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`
}

/** A server with two accounts (alice and bob @example.test), each provisioned with its mailboxes. */
export async function startJmapServer(
  env: Record<string, string> = {},
  options: { resolver?: Resolver; outboundTls?: { ca?: string[] }; dataDir?: string } = {},
): Promise<JmapTestServer> {
  const server = await startTestServer({
    env,
    ...(options.resolver ? { resolver: options.resolver } : {}),
    ...(options.outboundTls ? { outboundTls: options.outboundTls } : {}),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  })
  server.services.directory.domains.add('example.test')
  const base = `http://127.0.0.1:${server.port('http')}`
  const account = async (email: string, password: string): Promise<JmapTestAccount> => {
    const created = await server.services.directory.accounts.add({ email, password })
    await server.services.store.ensureAccount(created.id)
    const authorization = basic(email, password)
    const session = (await (await fetch(`${base}/jmap/session`, { headers: { authorization } })).json()) as {
      primaryAccounts: Record<string, string>
    }
    const accountId =
      session.primaryAccounts['urn:ietf:params:jmap:core'] ?? Object.values(session.primaryAccounts)[0]
    return { email, password, accountId: accountId ?? `A${created.id.toString(36)}`, authorization }
  }
  const alice = await account('alice@example.test', 'alice-password')
  const bob = await account('bob@example.test', 'bob-password')
  return { server, base, alice, bob, close: () => server.close() }
}

export interface ApiResponse {
  methodResponses: Call[]
  sessionState: string
  createdIds?: Record<string, string>
}

/** POSTs a request; returns the HTTP response and its parsed body. */
export async function post(
  t: JmapTestServer,
  who: JmapTestAccount,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${t.base}/jmap`, {
    method: 'POST',
    headers: { authorization: who.authorization, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers }
}

/** Makes method calls as `who` and returns the method responses (throws on a request-level error). */
export async function api(
  t: JmapTestServer,
  who: JmapTestAccount,
  calls: Call[],
  using = jmapUsing,
): Promise<Call[]> {
  const res = await post(t, who, { using, methodCalls: calls })
  if (res.status !== 200) throw new Error(`JMAP request failed: ${res.status} ${JSON.stringify(res.body)}`)
  return (res.body as ApiResponse).methodResponses
}

/** The arguments of the one response to `callId`, failing when it is an error or missing. */
export function resultOf(responses: Call[], callId: string, name?: string): Record<string, unknown> {
  const found = responses.find((r) => r[2] === callId && r[0] !== 'error' && (!name || r[0] === name))
  if (!found) throw new Error(`no ${name ?? ''} response for ${callId}: ${JSON.stringify(responses)}`)
  return found[1]
}

/** A parsed JSON response; tests check its shape with expect(), not with types. */
// biome-ignore lint/suspicious/noExplicitAny: JSON from the server, checked by the assertions
export type Json = any

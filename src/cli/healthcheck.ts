// `postern healthcheck`: asks the running server's /healthz on the configured http listener
// (for container health checks). Exit 0 when it answers ok.
import { loadConfig } from '../config/config.ts'
import type { Output } from './output.ts'

export async function healthcheck(
  configFile: string | undefined,
  env: Record<string, string | undefined>,
  out: Output,
) {
  const config = loadConfig({ file: configFile, env })
  const address = config.listen.http
  if (!address) {
    out.error('error: listen.http is off; nothing to check')
    return 1
  }
  const host = address.host === '0.0.0.0' ? '127.0.0.1' : address.host === '::' ? '[::1]' : address.host
  const url = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${address.port}/healthz`
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
    if (res.ok) {
      out.line('ok')
      return 0
    }
    out.error(`error: ${url} answered ${res.status}`)
  } catch (err) {
    out.error(`error: ${url}: ${(err as Error).message}`)
  }
  return 1
}

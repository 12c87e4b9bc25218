// Runs createSelfSigned in a Worker: @peculiar/x509 and its dependencies are only needed on a
// first start, and a Worker's heap is returned when it ends, keeping the idle server small.
import { createSelfSigned } from './self-signed.ts'

declare const self: Worker

self.onmessage = async (event: MessageEvent<{ hostname: string; now: number }>) => {
  try {
    self.postMessage({ ok: true, ...(await createSelfSigned(event.data.hostname, event.data.now)) })
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) })
  }
}

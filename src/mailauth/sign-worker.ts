// Worker side of DKIM signing: receives a message and the keys to sign it with, answers with
// the DKIM-Signature fields. RSA signing and canonicalising a large body would otherwise hold
// up every client on the event loop (DESIGN: CPU-heavy work runs in Workers).
import { type DkimSignOptions, signDkim } from './dkim-sign.ts'

declare const self: Worker

export interface SignRequest {
  raw: Uint8Array
  keys: DkimSignOptions[]
}

self.onmessage = async (event: MessageEvent<{ id: number; input: SignRequest }>) => {
  try {
    const value = await signDkim(event.data.input.raw, event.data.input.keys)
    self.postMessage({ id: event.data.id, ok: true, value })
  } catch (err) {
    self.postMessage({
      id: event.data.id,
      ok: false,
      error: err instanceof Error ? err.message : String(err),
    })
  }
}

// Worker side of prepareMessage: receives raw bytes, answers with the prepared message.
import { prepareMessage } from './prepare-message.ts'

declare const self: Worker

self.onmessage = (event: MessageEvent<{ id: number; input: Uint8Array }>) => {
  try {
    const value = prepareMessage(event.data.input)
    self.postMessage({ id: event.data.id, ok: true, value })
  } catch (err) {
    self.postMessage({
      id: event.data.id,
      ok: false,
      error: err instanceof Error ? err.message : String(err),
    })
  }
}

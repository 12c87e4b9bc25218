// The benchmarks' mailbox: the SpamAssassin corpus cycled to any size, each message made distinct
// by its number in an `X-Bench-N` header on top.
import { loadSpamAssassinCorpus } from '../../tests/fixtures/mail/corpus.ts'

export function corpusMessages(count: number): Uint8Array[] {
  const corpus = loadSpamAssassinCorpus()
  return Array.from({ length: count }, (_, i) => {
    const raw = (corpus[i % corpus.length] as { raw: Uint8Array }).raw
    return Buffer.concat([Buffer.from(`X-Bench-N: ${i + 1}\n`), raw])
  })
}

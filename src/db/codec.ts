// Compression of stored message bytes (zstd). Bun's zstd keeps its working memory small
// between calls; node:zlib's allocates a full compression context per call, which on a busy
// MX left ~10 MB more resident memory per few thousand messages.

/** zstd level 3: fast (hundreds of MB/s) and shrinks mail about 2.5 times. */
const level = 3

export function compress(data: Uint8Array): Uint8Array {
  return Bun.zstdCompressSync(data, { level })
}

export function decompress(data: Uint8Array): Uint8Array {
  return Bun.zstdDecompressSync(data)
}

// Text and bytes gathered for one write, as one buffer of exactly their size (a small one comes
// from Node's shared pool): a connection's output of one turn, a FETCH response's pieces.

/**
 * The parts in order, text encoded as `encoding`. `total` is their size in bytes when the caller
 * has counted it (latin1 text has one byte per character); otherwise it is measured.
 */
export function joinParts(
  parts: readonly (string | Uint8Array)[],
  encoding: 'utf8' | 'latin1',
  total?: number,
): Uint8Array {
  if (parts.length === 1) {
    const only = parts[0] as string | Uint8Array
    return typeof only === 'string' ? Buffer.from(only, encoding) : only
  }
  if (parts.every((p) => typeof p === 'string')) return Buffer.from(parts.join(''), encoding)
  let size = total ?? 0
  if (total === undefined)
    for (const p of parts) size += typeof p === 'string' ? Buffer.byteLength(p, encoding) : p.length
  const out = Buffer.allocUnsafe(size)
  let at = 0
  for (const p of parts) {
    if (typeof p === 'string') at += out.write(p, at, encoding)
    else {
      out.set(p, at)
      at += p.length
    }
  }
  return out
}

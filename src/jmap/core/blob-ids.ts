// Blob ids (rfc8620#section-6): "B" and the store's blob row id in base 36 for stored bytes (a
// whole message, an upload), and for one MIME part of a message "B<blob>_<part id with - for .>"
// (the part's decoded content), e.g. "Bz5_1-2" is part 1.2 of blob z5.

export interface BlobRef {
  /** The store's blob row id. */
  blob: number
  /** The MIME part id ("1.2"), or null for the whole blob. */
  part: string | null
}

export function formatBlobId(blob: number, part: string | null = null): string {
  const whole = `B${blob.toString(36)}`
  return part === null ? whole : `${whole}_${part.replaceAll('.', '-')}`
}

export function parseBlobId(text: string): BlobRef | undefined {
  const m = /^B([0-9a-z]{1,12})(?:_([0-9]+(?:-[0-9]+)*))?$/.exec(text)
  if (!m?.[1]) return undefined
  const blob = Number.parseInt(m[1], 36)
  if (!Number.isSafeInteger(blob) || blob <= 0) return undefined
  return { blob, part: m[2] ? m[2].replaceAll('-', '.') : null }
}

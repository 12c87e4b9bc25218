// The case folding applied to stored text and to needles alike (rfc9051#section-6.4.4 searches
// are case-insensitive). Its own module so queries do not load the MIME decoders.

export function foldCase(text: string): string {
  return text.toLowerCase()
}

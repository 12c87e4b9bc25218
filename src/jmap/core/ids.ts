// Account ids as JMAP clients see them: "A" and the directory's account id in base 36, so they
// cannot be confused with the store's object ids (store/object-ids.ts).

/** Ids of one kind of row as clients see them: a letter, then the row id in base 36. */
export function formatRowId(prefix: string, id: number): string {
  return `${prefix}${id.toString(36)}`
}

/** The row id in an id `formatRowId(prefix, …)` made, or undefined. */
export function parseRowId(prefix: string, text: string): number | undefined {
  if (text.length < 2 || text.length > 14 || !text.startsWith(prefix) || !/^[0-9a-z]+$/.test(text.slice(1)))
    return undefined
  const n = Number.parseInt(text.slice(1), 36)
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

export const formatAccountId = (id: number): string => formatRowId('A', id)
export const parseAccountId = (text: string): number | undefined => parseRowId('A', text)

/** rfc8620#section-1.2: 1–255 octets of URL-safe base64 characters. */
export function isValidId(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length >= 1 && value.length <= 255 && /^[A-Za-z0-9_-]+$/.test(value)
  )
}

/** A state string this server issued (a modseq), or undefined. */
export function parseState(text: string): number | undefined {
  return /^(0|[1-9][0-9]{0,15})$/.test(text) ? Number(text) : undefined
}

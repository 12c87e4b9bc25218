// JSON Pointer evaluation for result references (rfc8620#section-3.7): rfc6901 with the JMAP
// extension that "*" maps the rest of the pointer over every item of an array, flattening
// arrays that result.

/** The value at `pointer` in `value`, or undefined when the path does not exist. */
export function evaluatePointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value
  if (!pointer.startsWith('/')) return undefined
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
  return walk(value, tokens, 0)
}

function walk(value: unknown, tokens: string[], at: number): unknown {
  if (at === tokens.length) return value
  const token = tokens[at] as string
  if (Array.isArray(value)) {
    if (token === '*') {
      const out: unknown[] = []
      for (const item of value) {
        const found = walk(item, tokens, at + 1)
        if (found === undefined) return undefined
        if (Array.isArray(found)) out.push(...found)
        else out.push(found)
      }
      return out
    }
    if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined
    const index = Number(token)
    return index < value.length ? walk(value[index], tokens, at + 1) : undefined
  }
  if (value !== null && typeof value === 'object') {
    if (!Object.hasOwn(value, token)) return undefined
    return walk((value as Record<string, unknown>)[token], tokens, at + 1)
  }
  return undefined
}

// Human sizes ("10G", "512MB", "1.5 GiB") to bytes and back.

const units: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }

/** Parses a size such as `500M`, `2GB`, `1.5GiB` or a plain byte count; undefined when malformed. */
export function tryParseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text >= 0 ? text : undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text)
  if (!m) return undefined
  const unit = units[(m[2] ?? '').toLowerCase()]
  if (unit === undefined) return undefined
  const value = Math.round(Number(m[1]) * unit)
  return Number.isSafeInteger(value) ? value : undefined
}

/** Formats bytes for people: `1.5 GiB`. */
export function formatSize(bytes: number): string {
  const steps = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = bytes
  let i = 0
  while (v >= 1024 && i < steps.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(1).replace(/\.0$/, '')} ${steps[i]}`
}

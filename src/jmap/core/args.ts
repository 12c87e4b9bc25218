// Readers for method arguments: each returns the value or throws invalidArguments naming the
// argument, so a handler states what it accepts in one line per argument.
import { invalidArguments } from './errors.ts'
import { isValidId } from './ids.ts'
import type { MethodArgs } from './registry.ts'

export function optionalString(args: MethodArgs, name: string): string | null {
  const v = args[name]
  if (v === undefined || v === null) return null
  if (typeof v !== 'string') throw invalidArguments(`${name} must be a string`)
  return v
}

export function requiredString(args: MethodArgs, name: string): string {
  const v = optionalString(args, name)
  if (v === null) throw invalidArguments(`${name} is required`)
  return v
}

export function optionalBoolean(args: MethodArgs, name: string, fallback: boolean): boolean {
  const v = args[name]
  if (v === undefined || v === null) return fallback
  if (typeof v !== 'boolean') throw invalidArguments(`${name} must be a boolean`)
  return v
}

/** rfc8620#section-1.3 Int: a safe integer; `min` for UnsignedInt. */
export function optionalInt(args: MethodArgs, name: string, options: { min?: number } = {}): number | null {
  const v = args[name]
  if (v === undefined || v === null) return null
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (options.min ?? Number.MIN_SAFE_INTEGER))
    throw invalidArguments(`${name} must be an integer${options.min === 0 ? ' ≥ 0' : ''}`)
  return v
}

export function optionalUnsignedInt(args: MethodArgs, name: string): number | null {
  return optionalInt(args, name, { min: 0 })
}

/** A list of ids, or null when the argument is absent or null. Creation references ("#x") pass. */
export function optionalIds(args: MethodArgs, name: string): string[] | null {
  const v = args[name]
  if (v === undefined || v === null) return null
  if (!Array.isArray(v) || !v.every((id) => isValidId(id) || isCreationRef(id)))
    throw invalidArguments(`${name} must be a list of ids`)
  return v as string[]
}

export function isCreationRef(value: unknown): value is string {
  return typeof value === 'string' && value.length > 1 && isValidId(value.slice(1)) && value[0] === '#'
}

export function optionalStringList(args: MethodArgs, name: string): string[] | null {
  const v = args[name]
  if (v === undefined || v === null) return null
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
    throw invalidArguments(`${name} must be a list of strings`)
  return v as string[]
}

export function optionalObject(args: MethodArgs, name: string): Record<string, unknown> | null {
  const v = args[name]
  if (v === undefined || v === null) return null
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidArguments(`${name} must be an object`)
  return v as Record<string, unknown>
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** rfc8620#section-1.4 UTCDate: "2026-09-01T10:00:00Z", fractions allowed. */
export function parseUtcDate(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value)) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

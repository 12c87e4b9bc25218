// The methods the API endpoint serves, each with the capability a request must use to call it.
import type { MethodContext } from './context.ts'

export type MethodArgs = Record<string, unknown>

export interface MethodDefinition {
  name: string
  capability: string
  /** Most methods work on one account named by `accountId`; Core/echo does not. */
  needsAccount?: boolean
  handler(args: MethodArgs, ctx: MethodContext): MethodArgs | Promise<MethodArgs>
}

export class MethodRegistry {
  private methods = new Map<string, MethodDefinition>()

  add(...definitions: MethodDefinition[]): this {
    for (const d of definitions) {
      if (this.methods.has(d.name)) throw new Error(`JMAP method ${d.name} is registered twice`)
      this.methods.set(d.name, d)
    }
    return this
  }

  get(name: string): MethodDefinition | undefined {
    return this.methods.get(name)
  }

  /** Capabilities some method of which is served: only these are advertised. */
  capabilities(): Set<string> {
    return new Set([...this.methods.values()].map((m) => m.capability))
  }
}

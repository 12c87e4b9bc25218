// Core/echo (rfc8620#section-4): returns its arguments, for testing connectivity.
import { coreCapability } from '../core/capabilities.ts'
import type { MethodDefinition } from '../core/registry.ts'

export const coreMethods: MethodDefinition[] = [
  { name: 'Core/echo', capability: coreCapability, needsAccount: false, handler: (args) => args },
]

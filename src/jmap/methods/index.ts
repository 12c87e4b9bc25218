// Every JMAP method module, and what each capability adds to the session resource. A capability
// is advertised only when its methods are served.
import { coreCapability, mailCapability } from '../core/capabilities.ts'
import type { JmapServices } from '../core/context.ts'
import { MethodRegistry } from '../core/registry.ts'
import type { CapabilityDescriptor } from '../core/session.ts'
import { coreMethods } from './core.ts'
import { emailQueryMethods } from './email-query.ts'
import { searchSnippetMethods } from './search-snippet.ts'

export function jmapModules(_services: JmapServices) {
  const registry = new MethodRegistry().add(...coreMethods)
  registry.add(...emailQueryMethods, ...searchSnippetMethods)
  const descriptors = new Map<string, CapabilityDescriptor>([[coreCapability, { server: () => ({}) }]])
  // Merge note: the mail descriptor (with emailQuerySortOptions) is the mailbox branch's; this bare
  // one only lets the query methods be called on this branch and is dropped when that one lands.
  if (!descriptors.has(mailCapability))
    descriptors.set(mailCapability, { server: () => ({}), account: () => ({}) })
  const served = registry.capabilities()
  const capabilities = new Map([...descriptors].filter(([urn]) => urn === coreCapability || served.has(urn)))
  return { registry, capabilities }
}

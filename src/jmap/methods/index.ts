// Every JMAP method module, and what each capability adds to the session resource. A capability
// is advertised only when its methods are served.
import { coreCapability, mailCapability } from '../core/capabilities.ts'
import type { JmapServices } from '../core/context.ts'
import { MethodRegistry } from '../core/registry.ts'
import type { CapabilityDescriptor } from '../core/session.ts'
import { coreMethods } from './core.ts'
import { emailGetMethods } from './email-get.ts'
import { threadMethods } from './thread.ts'

export function jmapModules(_services: JmapServices) {
  const registry = new MethodRegistry().add(...coreMethods)
  registry.add(...emailGetMethods, ...threadMethods)
  const descriptors = new Map<string, CapabilityDescriptor>([[coreCapability, { server: () => ({}) }]])
  // Interim (jmap-emailget): Email/* and Thread/* need urn:ietf:params:jmap:mail to be known; the
  // Mailbox branch owns the mail descriptor, and once it is in the map this line does nothing.
  if (!descriptors.has(mailCapability)) descriptors.set(mailCapability, interimMailDescriptor(_services))
  const served = registry.capabilities()
  const capabilities = new Map([...descriptors].filter(([urn]) => urn === coreCapability || served.has(urn)))
  return { registry, capabilities }
}

/** rfc8621#section-2 mail capability, until the Mailbox branch's descriptor replaces it. */
function interimMailDescriptor(services: JmapServices): CapabilityDescriptor {
  return {
    server: () => ({}),
    account: () => ({
      maxMailboxesPerEmail: null,
      maxMailboxDepth: null,
      maxSizeMailboxName: 255,
      maxSizeAttachmentsPerEmail: services.limits.maxSizeUpload,
      // Email/query is not served by this branch, so no sort is offered
      emailQuerySortOptions: [],
      mayCreateTopLevelMailbox: true,
    }),
  }
}

// Every JMAP method module, and what each capability adds to the session resource. A capability
// is advertised only when its methods are served.
import { blobCapability, coreCapability, mailCapability } from '../core/capabilities.ts'
import type { JmapServices } from '../core/context.ts'
import { MethodRegistry } from '../core/registry.ts'
import type { CapabilityDescriptor } from '../core/session.ts'
import { blobDescriptor, blobMethods } from './blob.ts'
import { coreMethods } from './core.ts'
import { emailCopyMethods } from './email-copy.ts'
import { emailImportMethods } from './email-import.ts'
import { emailParseMethods } from './email-parse.ts'
import { emailSetMethods, mailDescriptorForEmailSet } from './email-set.ts'

export function jmapModules(_services: JmapServices) {
  const registry = new MethodRegistry().add(...coreMethods)
  const descriptors = new Map<string, CapabilityDescriptor>([[coreCapability, { server: () => ({}) }]])
  registry.add(
    ...emailSetMethods,
    ...emailImportMethods,
    ...emailCopyMethods,
    ...emailParseMethods,
    ...blobMethods,
  )
  descriptors.set(blobCapability, blobDescriptor(_services.limits.maxSizeUpload))
  // The mailbox branch owns the mail descriptor; this one stands in until it is merged.
  if (!descriptors.has(mailCapability)) descriptors.set(mailCapability, mailDescriptorForEmailSet)
  const served = registry.capabilities()
  const capabilities = new Map([...descriptors].filter(([urn]) => urn === coreCapability || served.has(urn)))
  return { registry, capabilities }
}

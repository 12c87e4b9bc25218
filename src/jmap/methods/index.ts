// Every JMAP method module, and what each capability adds to the session resource. A capability
// is advertised only when its methods are served.
import {
  blobCapability,
  coreCapability,
  mailCapability,
  quotaCapability,
  submissionCapability,
  vacationCapability,
} from '../core/capabilities.ts'
import type { JmapServices } from '../core/context.ts'
import { MethodRegistry } from '../core/registry.ts'
import type { CapabilityDescriptor } from '../core/session.ts'
import { blobDescriptor, blobMethods } from './blob.ts'
import { blobCopyMethods } from './blob-copy.ts'
import { coreMethods } from './core.ts'
import { emailCopyMethods } from './email-copy.ts'
import { maxMailboxesPerEmail } from './email-fields.ts'
import { emailQuerySortOptions } from './email-filter.ts'
import { emailGetMethods } from './email-get.ts'
import { emailImportMethods } from './email-import.ts'
import { emailParseMethods } from './email-parse.ts'
import { emailQueryMethods } from './email-query.ts'
import { emailSetMethods } from './email-set.ts'
import { emailSubmissionMethods } from './email-submission.ts'
import { identityMethods } from './identity.ts'
import { mailboxMethods } from './mailbox.ts'
import { maxSizeMailboxName } from './mailbox-object.ts'
import { pushSubscriptionMethods } from './push-subscription.ts'
import { quotaMethods } from './quota.ts'
import { searchSnippetMethods } from './search-snippet.ts'
import { threadMethods } from './thread.ts'
import { vacationMethods } from './vacation.ts'

export function jmapModules(services: JmapServices) {
  const registry = new MethodRegistry().add(...coreMethods, ...blobCopyMethods)
  registry.add(
    ...mailboxMethods,
    ...emailGetMethods,
    ...emailQueryMethods,
    ...searchSnippetMethods,
    ...threadMethods,
  )
  registry.add(
    ...emailSetMethods,
    ...emailImportMethods,
    ...emailCopyMethods,
    ...emailParseMethods,
    ...blobMethods,
  )
  registry.add(...identityMethods, ...emailSubmissionMethods, ...quotaMethods, ...vacationMethods)
  if (services.pushSubscriptions) registry.add(...pushSubscriptionMethods)
  const descriptors = new Map<string, CapabilityDescriptor>([[coreCapability, { server: () => ({}) }]])
  descriptors.set(mailCapability, mailCapabilityDescriptor(services))
  descriptors.set(blobCapability, blobDescriptor(services.limits.maxSizeUpload))
  // rfc8621#section-1.3.4: an empty object in the session and in the account.
  descriptors.set(vacationCapability, { server: () => ({}), account: () => ({}) })
  // rfc9425#section-2: an empty object in the session and in the account.
  descriptors.set(quotaCapability, { server: () => ({}), account: () => ({}) })
  // rfc8621#section-1.3.3: no delayed send; no SMTP extension parameters are passed on.
  descriptors.set(submissionCapability, {
    server: () => ({}),
    account: () => ({ maxDelayedSend: 0, submissionExtensions: {} }),
  })
  const served = registry.capabilities()
  const capabilities = new Map([...descriptors].filter(([urn]) => urn === coreCapability || served.has(urn)))
  return { registry, capabilities }
}

/** rfc8621#section-1.3.1 urn:ietf:params:jmap:mail: nothing server-wide; the account's limits. */
function mailCapabilityDescriptor(services: JmapServices): CapabilityDescriptor {
  return {
    server: () => ({}),
    account: () => ({
      maxMailboxesPerEmail,
      // The store nests mailboxes without a depth limit (IMAP names have none).
      maxMailboxDepth: null,
      maxSizeMailboxName,
      // Attachments travel base64-encoded (4 octets for 3) inside a message no larger than an upload.
      maxSizeAttachmentsPerEmail: Math.floor((services.limits.maxSizeUpload * 3) / 4),
      emailQuerySortOptions: [...emailQuerySortOptions],
      mayCreateTopLevelMailbox: true,
    }),
  }
}

// The upload and download endpoints (rfc8620#section-6.1, rfc8620#section-6.2), mounted on the
// JMAP sub-app behind its authentication: an account reaches only its own blobs.
import { Hono } from 'hono'
import type { JmapPrincipal, JmapServices } from '../core/context.ts'
import { problemResponse } from '../core/errors.ts'
import { parseAccountId } from '../core/ids.ts'
import { readBlob } from './access.ts'
import { createUploader, readBodyAtMost, UploadTooLarge, uploadedType } from './upload.ts'

interface BlobEnv {
  Variables: { principal: JmapPrincipal }
}

function limitProblem(status: number, limit: string, detail: string): Response {
  return problemResponse(status, detail, { type: 'urn:ietf:params:jmap:error:limit', limit })
}

/** A media type as a client may give it in ?type=: type/subtype with optional parameters. */
const mediaType =
  /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\r\n]*"|[^;\s"]+))*$/

/** rfc6266#section-4.3: an ASCII fallback filename and the exact one in filename* (rfc8187). */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  const exact = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`
}

export function createBlobRoutes(services: JmapServices) {
  const app = new Hono<BlobEnv>()
  const upload = createUploader(services)
  const uploading = new Map<number, number>()

  app.post('/upload/:accountId/', async (c) => {
    const principal = c.get('principal')
    if (parseAccountId(c.req.param('accountId')) !== principal.id)
      return problemResponse(404, 'no such account') // rfc8620#section-6.1: only the signed-in account
    const max = services.limits.maxSizeUpload
    const declared = Number(c.req.header('content-length') ?? '0')
    if (declared > max) return limitProblem(413, 'maxSizeUpload', `uploads are limited to ${max} bytes`)
    const running = uploading.get(principal.id) ?? 0
    if (running >= services.limits.maxConcurrentUpload)
      return limitProblem(429, 'maxConcurrentUpload', 'too many uploads at once')
    uploading.set(principal.id, running + 1)
    try {
      const bytes = await readBodyAtMost(c.req.raw.body, max)
      const type = uploadedType(c.req.header('content-type'))
      return c.json(await upload(principal.id, bytes, type), 201)
    } catch (err) {
      if (err instanceof UploadTooLarge) return limitProblem(413, 'maxSizeUpload', err.message)
      throw err
    } finally {
      const left = (uploading.get(principal.id) ?? 1) - 1
      if (left <= 0) uploading.delete(principal.id)
      else uploading.set(principal.id, left)
    }
  })

  app.get('/download/:accountId/:blobId/:name', (c) => {
    const principal = c.get('principal')
    const notFound = () => problemResponse(404, 'no such blob')
    if (parseAccountId(c.req.param('accountId')) !== principal.id) return notFound()
    const content = readBlob(services, principal.id, c.req.param('blobId'))
    if (!content) return notFound()
    const requested = c.req.query('type')
    const type =
      requested && mediaType.test(requested) ? requested : (content.type ?? 'application/octet-stream')
    return new Response(content.bytes, {
      status: 200,
      headers: {
        'content-type': type,
        'content-length': String(content.bytes.byteLength),
        'content-disposition': contentDisposition(c.req.param('name')),
        // Blob ids name fixed content (rfc8620#section-6.2), so a cached copy never goes stale.
        'cache-control': 'private, immutable, max-age=31536000',
        etag: `"${c.req.param('blobId')}"`,
        'x-content-type-options': 'nosniff',
      },
    })
  })

  return app
}

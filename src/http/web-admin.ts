// Serves the web admin: the page at /login and /admin, its script and style under /admin/assets/.
// The assets are embedded (web-assets.generated.ts, made by scripts/build-web.ts from public/)
// so the single binary carries them; they are loaded on the first request, not at start-up.
import { Hono } from 'hono'
import { compress } from 'hono/compress'
import type { AdminEnv } from '../admin/types.ts'

/** Nothing inline, nothing from elsewhere: the page runs only its own script and style. */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

export function webAdminRoutes() {
  const app = new Hono<AdminEnv>()
  // The module system keeps the first import, so the assets are read once, on first use.
  const assets = () => import('./web-assets.generated.ts')
  // Only the web admin's own paths: the API and the other apps keep their own headers.
  for (const path of ['/login', '/admin', '/admin/*']) {
    app.use(path, compress(), async (c, next) => {
      await next()
      c.header('Content-Security-Policy', contentSecurityPolicy)
      c.header('X-Content-Type-Options', 'nosniff')
      c.header('X-Frame-Options', 'DENY')
      c.header('Referrer-Policy', 'no-referrer')
    })
  }
  const page = async () => {
    const { webAssets } = await assets()
    const index = webAssets['index.html']
    return new Response(index?.body ?? '', {
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    })
  }
  app.get('/', (c) => c.redirect('/admin', 302))
  app.get('/login', page)
  app.get('/admin', page)
  app.get('/admin/', page)
  app.get('/admin/assets/:file', async (c) => {
    const { webAssets } = await assets()
    const asset = webAssets[c.req.param('file')]
    if (!asset || c.req.param('file') === 'index.html') return c.json({ error: 'not found' }, 404)
    const etag = `"${asset.hash}"`
    if (c.req.header('if-none-match') === etag) return c.body(null, 304)
    return c.body(asset.body, 200, { 'content-type': asset.type, etag, 'cache-control': 'no-cache' })
  })
  return app
}

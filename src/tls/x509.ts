// Loads @peculiar/x509 on first use. Its dependency tsyringe refuses to load unless the Reflect
// metadata polyfill is present, and Bun evaluates CommonJS imports before any ES module code, so a
// static import cannot be preceded by the polyfill: both are `require`d here, in order. Plain
// `require` with literal names (not createRequire) so `bun build --compile` bundles them.

/** The @peculiar/x509 module. */
export type X509Module = typeof import('@peculiar/x509')

/** Returns @peculiar/x509, with the Reflect metadata polyfill it needs loaded first. */
export function x509(): X509Module {
  require('reflect-metadata')
  return require('@peculiar/x509') as X509Module
}

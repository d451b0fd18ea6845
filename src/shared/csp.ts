// The Content-Security-Policy of the UI, in one place: the core's server
// sends it with every page, and the desktop window sets it again on every
// response it loads, so the browser tests exercise the window's policy.
// Monaco needs `blob:` workers and inline styles; nothing is loaded from
// another origin.

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ')

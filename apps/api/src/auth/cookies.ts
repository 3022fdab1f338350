import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'tip_session';
/** Readable by the page's script, which sends it back as the X-CSRF-Token header (double submit). */
export const CSRF_COOKIE = 'tip_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** The request's cookies (Express parses none by itself; five lines beat a dependency). */
export function cookiesOf(request: Request): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  return cookies;
}

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page
 * sends it), Secure whenever the request came over TLS, and gone when the session ends.
 */
export function setSessionCookies(
  request: Request,
  response: Response,
  session: { token: string; csrfToken: string; lifetimeSeconds: number },
): void {
  const maxAge = session.lifetimeSeconds * 1000;
  const common = { path: '/', sameSite: 'strict' as const, secure: request.secure, maxAge };
  response.cookie(SESSION_COOKIE, session.token, { ...common, httpOnly: true });
  response.cookie(CSRF_COOKIE, session.csrfToken, { ...common, httpOnly: false });
}

export function clearSessionCookies(request: Request, response: Response): void {
  const common = { path: '/', sameSite: 'strict' as const, secure: request.secure };
  response.clearCookie(SESSION_COOKIE, { ...common, httpOnly: true });
  response.clearCookie(CSRF_COOKIE, { ...common, httpOnly: false });
}

/** Where the request came from, for the sign-in events (Express honours TIP_TRUST_PROXY). */
export function originOf(request: Request): { ip: string; userAgent?: string } {
  const userAgent = request.headers['user-agent']?.slice(0, 300);
  return { ip: request.ip ?? request.socket.remoteAddress ?? 'unknown', ...(userAgent ? { userAgent } : {}) };
}

/** A page of another site may not make the browser call us: its Origin, when sent, must be ours. */
export function isSameOrigin(request: Request): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

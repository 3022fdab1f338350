/** One way to talk to the API: same origin, the session cookie, answers in the user's language, errors as ApiError. */

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** A refusal from the API, kept as it came: the code is stable, the message is in the language asked for. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | undefined | null>;

let language = 'zh-CN';
let onUnauthenticated: (() => void) | undefined;

export function setRequestLanguage(locale: string): void {
  language = locale;
}

/** Called on a 401 from anything but the sign-in itself: the session ended or was revoked. */
export function onSessionLost(handler: () => void): void {
  onUnauthenticated = handler;
}

export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return `/api${path}${search ? `?${search}` : ''}`;
}

async function request<T>(method: 'GET' | 'POST', path: string, query: Query, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'accept-language': language };
  // Double submit: the session's CSRF token, readable by this page only, goes back as a header on
  // every state-changing call (on top of the SameSite=Strict session cookie).
  if (method !== 'GET') {
    const csrf = csrfToken();
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(apiUrl(path, query), {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', '无法连接服务器，请检查网络后重试');
  }
  const text = await response.text();
  const parsed: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const error = (parsed as Partial<ApiErrorBody> | undefined)?.error;
    // Asking who is signed in, or signing in, answers 401 as a matter of course.
    if (response.status === 401 && !path.startsWith('/auth/')) onUnauthenticated?.();
    throw new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? response.statusText,
      error?.details,
    );
  }
  return parsed as T;
}

const CSRF_COOKIE = 'tip_csrf';

function csrfToken(): string | undefined {
  for (const pair of document.cookie.split(';')) {
    const [name, ...value] = pair.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const http = {
  get: <T>(path: string, query: Query = {}) => request<T>('GET', path, query),
  post: <T>(path: string, body?: unknown, query: Query = {}) => request<T>('POST', path, query, body ?? {}),
};

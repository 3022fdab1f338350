import { http } from './http';
import type { SessionUser } from './types';

/** Sign-in for people: a session cookie the browser keeps (HttpOnly), so the app never holds a token. */
export const authApi = {
  login: (username: string, password: string) => http.post<SessionUser>('/auth/login', { username, password }),
  me: () => http.get<SessionUser>('/auth/me'),
  logout: () => http.post<unknown>('/auth/logout'),
};

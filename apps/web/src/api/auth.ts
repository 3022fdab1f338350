import { http } from './http';
import type { SessionUser } from './types';

interface SessionAnswer {
  user: Omit<SessionUser, 'unitId'> & { unitId: string | null };
  expiresAt?: string;
}

const userOf = ({ user }: SessionAnswer): SessionUser => ({
  sub: user.sub,
  role: user.role,
  name: user.name,
  ...(user.unitId ? { unitId: user.unitId } : {}),
});

/** Sign-in for people: a session cookie the browser keeps (HttpOnly), so the app never holds a token. */
export const authApi = {
  login: async (username: string, password: string) =>
    userOf(await http.post<SessionAnswer>('/auth/login', { username, password })),
  me: async () => userOf(await http.get<SessionAnswer>('/auth/me')),
  logout: () => http.post<unknown>('/auth/logout'),
  /** Whether an OpenID provider is set up beside passwords (TIP_OIDC_ISSUER), and where its sign-in starts. */
  methods: () => http.get<{ password: boolean; oidc: { loginUrl: string } | null }>('/auth/methods'),
};

import type { OpenAPIObject } from '@nestjs/swagger';
import { identifierSchema, json, refused } from './openapi-common';

const user = {
  type: 'object',
  required: ['sub', 'name', 'role', 'unitId'],
  properties: {
    sub: { type: 'string', description: 'The actor id (a teacher’s is their teacher id)' },
    name: { type: 'string' },
    role: { type: 'string' },
    unitId: { type: 'string', nullable: true, description: 'null for system and auditors without a unit' },
  },
};
const csrfToken = {
  type: 'string',
  description: 'Send it as the X-CSRF-Token header on every POST made with the session cookie',
};

/** Sign-in for people (session cookie) and the end of a session or token. */
export function authPaths(): OpenAPIObject['paths'] {
  return {
    '/api/auth/login': {
      post: {
        operationId: 'login',
        tags: ['auth'],
        summary:
          'Sign in with a local account: sets the session cookie tip_session (HttpOnly, SameSite=Strict, Secure over TLS) and tip_csrf',
        description:
          'Three failures in a row make each next attempt wait (1 s, 2 s, … 60 s); ten lock the account for 15 minutes. ' +
          'An unknown username answers exactly as a wrong password. Every attempt is an event (who, when, from where).',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                required: ['username', 'password'],
                properties: {
                  username: identifierSchema,
                  password: { type: 'string', minLength: 1, maxLength: 1000 },
                },
              },
            },
          },
        },
        responses: {
          200: {
            description: 'Signed in',
            headers: { 'Set-Cookie': { schema: { type: 'string' }, description: 'tip_session and tip_csrf' } },
            ...json({
              type: 'object',
              required: ['user', 'csrfToken', 'expiresAt'],
              properties: { user, csrfToken, expiresAt: { type: 'string', format: 'date-time' } },
            }),
          },
          400: refused('VALIDATION_FAILED: username or password'),
          401: refused('SIGN_IN_FAILED: wrong username or password'),
          403: refused('ACCOUNT_DISABLED, or FORBIDDEN: posted from another origin'),
          423: refused('ACCOUNT_LOCKED: details.until; Retry-After says how long'),
          429: refused('SIGN_IN_THROTTLED: details.until; Retry-After says how long'),
        },
      },
    },
    '/api/auth/me': {
      get: {
        operationId: 'me',
        tags: ['auth'],
        summary: 'Who the session cookie or bearer token acts as',
        security: [{ session: [] }, { bearer: [] }],
        responses: {
          200: {
            description: 'The caller',
            ...json({
              type: 'object',
              required: ['user', 'via', 'expiresAt'],
              properties: {
                user,
                via: { type: 'string', enum: ['session', 'token'] },
                expiresAt: { type: 'string', format: 'date-time' },
                csrfToken: { ...csrfToken, description: 'With a session: its CSRF token again (after a page reload)' },
              },
            }),
          },
          401: refused('UNAUTHENTICATED: no session or token, or it is over'),
        },
      },
    },
    '/api/auth/logout': {
      post: {
        operationId: 'logout',
        tags: ['auth'],
        summary:
          'Ends the session of the cookie and clears it (needs X-CSRF-Token), or revokes the bearer token sent; a session already over is just cleared',
        security: [{ session: [] }, { bearer: [] }],
        responses: {
          200: {
            description: 'Signed out',
            ...json({ type: 'object', required: ['signedOut'], properties: { signedOut: { type: 'boolean' } } }),
          },
          401: refused('UNAUTHENTICATED: a bearer token that is not valid'),
          403: refused('FORBIDDEN: the X-CSRF-Token header is missing or wrong, or another origin'),
        },
      },
    },
  };
}

export const sessionSecurityScheme = {
  type: 'apiKey',
  in: 'cookie',
  name: 'tip_session',
  description: 'Set by POST /api/auth/login; state-changing calls also send the X-CSRF-Token header',
} as const;

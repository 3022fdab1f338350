import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import expressStaticGzip from 'express-static-gzip';

/** Where scripts/build-web.js puts the built web app. */
export const WEB_APP_DIR = path.resolve(__dirname, '../../../../dist/web');

/** The app's page may load only what it was built with, from here; inline styles are what Element Plus and ECharts set. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; " +
    "frame-src 'self'; frame-ancestors 'self'; object-src 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-cache',
};

/**
 * Serves the web app at `/` beside the API at `/api`: the built files (the hashed ones under
 * assets/ cached for a year), brotli or gzip as the browser accepts, from the copies the build
 * compressed once (a teacher's phone fetches about a third of the bytes), and the app's page for
 * every other GET that asks for HTML, so a link like /units/320700 opens the page the app routes to.
 */
export function serveWebApp(app: NestExpressApplication, dir = WEB_APP_DIR): boolean {
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) {
    new Logger('Web').log(`The web app is not built (no ${index}): run npm run build:web; serving the API only`);
    return false;
  }
  app.use(
    expressStaticGzip(dir, {
      enableBrotli: true,
      orderPreference: ['br', 'gzip'],
      index: false,
      serveStatic: {
        index: false,
        dotfiles: 'ignore',
        setHeaders: (response, file) => {
          response.setHeader('x-content-type-options', 'nosniff');
          response.setHeader(
            'cache-control',
            file.startsWith(path.join(dir, 'assets') + path.sep) ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
      },
    }),
  );
  app.use((request: Request, response: Response, next: NextFunction) => {
    // The API, and a built file that is not there (an old tab asking for last version's chunk), are not pages.
    const notAPage = request.path === '/api' || request.path.startsWith('/api/') || request.path.startsWith('/assets/');
    if (notAPage || (request.method !== 'GET' && request.method !== 'HEAD') || !request.accepts('html')) return next();
    response.set(PAGE_HEADERS).sendFile(index);
  });
  return true;
}

import { HttpException, HttpStatus, INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

interface RouteLayer {
  route?: { methods: Record<string, boolean> };
  match(path: string): boolean;
}

const EVERY_METHOD = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * 405 with an Allow header for a path the API serves with other methods (a PUT on a command, a
 * POST on a view); a path nobody serves stays 404. Looks at Express's own routes, so it knows
 * every route Nest and the docs registered, matched the way Express matches them.
 */
export function refuseOtherMethods(app: INestApplication): void {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: RouteLayer[] } };
  app.use((request: Request, response: Response, next: NextFunction) => {
    const allowed = new Set<string>();
    for (const layer of express.router.stack) {
      if (!layer.route || !layer.match(request.path)) continue;
      // A route for every method is middleware mounted as one (Nest mounts the access log's so), not
      // what a path serves: TIP serves no path by every method.
      if (layer.route.methods._all || EVERY_METHOD.every((method) => layer.route?.methods[method])) continue;
      for (const [method, on] of Object.entries(layer.route.methods)) if (on) allowed.add(method.toUpperCase());
    }
    if (allowed.has('GET')) allowed.add('HEAD');
    if (allowed.size === 0 || allowed.has(request.method)) return next();
    const methods = [...allowed].sort().join(', ');
    response.setHeader('allow', methods);
    next(
      new HttpException(
        `${request.method} is not allowed here; this path answers ${methods}`,
        HttpStatus.METHOD_NOT_ALLOWED,
      ),
    );
  });
}

import { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** A path whose percent-encoding does not decode to UTF-8 (`%FF`, a cut-off `%E4%B8`, a lone `%`). */
export class MalformedPath extends Error {
  static readonly rule = 'must be percent-encoded UTF-8';

  constructor() {
    super(`path: ${MalformedPath.rule}`);
  }
}

/**
 * Refuses such a path before any route or static file sees it: Express would otherwise answer it
 * with its own HTML page, outside the contract's error shape.
 */
export function refuseMalformedPaths(app: INestApplication): void {
  app.use((request: Request, _response: Response, next: NextFunction) => {
    try {
      decodeURIComponent(request.path);
    } catch {
      return next(new MalformedPath());
    }
    next();
  });
}

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** The dashboard's build output, if it has been built (`npm start` builds it). */
export function dashboardDist(): string | null {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('@hearth/dashboard/package.json')), 'dist');
    return existsSync(join(dir, 'index.html')) ? dir : null;
  } catch {
    return null;
  }
}

/** Serves the single-page dashboard at `/`; paths that are not files and not the API get index.html. */
export function serveDashboard(app: NestExpressApplication, dir: string, reserved: string[]): void {
  app.useStaticAssets(dir, { index: 'index.html', maxAge: '1h', setHeaders: noCacheForIndex });
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (request.method !== 'GET' || reserved.some((prefix) => request.path.startsWith(prefix))) return next();
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(join(dir, 'index.html'));
  });
}

// index.html names the hashed bundles of the current build, so it must never be cached.
function noCacheForIndex(response: Response, path: string): void {
  if (path.endsWith('index.html')) response.setHeader('Cache-Control', 'no-cache');
}

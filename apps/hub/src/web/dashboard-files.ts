import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
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

/** Content codings the dashboard build writes next to its files (`<file>.br`, `<file>.gz`), best first. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

type Encoding = (typeof ENCODINGS)[number]['name'];

interface DashboardFile {
  path: string;
  /** The precompressed variants on disk. */
  encodings: Set<Encoding>;
  cacheControl: string;
}

/** Vite's hashed build output: a changed file gets a new name, so a copy may be kept for good. */
const HASHED = 'public, max-age=31536000, immutable';
/** index.html names the hashed files of the current build: always asked again (answered 304 while unchanged). */
const REVALIDATE = 'no-cache';
/** Files with fixed names (icons, manifest). */
const SHORT = 'public, max-age=3600';

/**
 * Serves the single-page dashboard at `/`: each file br- or gzip-compressed as the browser accepts
 * (precompressed at build time), with ETag/Last-Modified (304s) and caching by kind; GET paths that are
 * neither files, nor under /assets/, nor the API get index.html. The file list is read once here: a
 * rebuilt dashboard is served from the next start on.
 */
export function serveDashboard(app: NestExpressApplication, dir: string, reserved: string[]): void {
  const files = dashboardFiles(dir);
  const index = files.get('/index.html')!;
  app.use((request: Request, response: Response, next: NextFunction) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || reserved.some((prefix) => request.path.startsWith(prefix))) return next();
    const file = files.get(request.path === '/' ? '/index.html' : request.path) ?? (request.path.startsWith('/assets/') ? undefined : index);
    if (!file) return next();
    sendFile(request, response, file, next);
  });
}

function sendFile(request: Request, response: Response, file: DashboardFile, next: NextFunction): void {
  const encoding = file.encodings.size > 0 ? chooseEncoding(request.headers['accept-encoding'], file.encodings) : undefined;
  // Caches keep one copy per coding: the same URL answers br, gzip or plain bytes.
  if (file.encodings.size > 0) response.vary('Accept-Encoding');
  response.setHeader('Cache-Control', file.cacheControl);
  // The type of the file itself, not of its .br/.gz copy (send keeps a Content-Type already set).
  response.type(extname(file.path));
  if (encoding) response.setHeader('Content-Encoding', encoding);
  const suffix = ENCODINGS.find(({ name }) => name === encoding)?.suffix ?? '';
  // Each coding is its own file, so its ETag (from size and time) differs from the others', as it must.
  response.sendFile(file.path + suffix, { cacheControl: false }, (error) => {
    if (error && !response.headersSent) next(error);
  });
}

/** Every file of the build by URL path, with its precompressed variants and cache policy. */
function dashboardFiles(dir: string): Map<string, DashboardFile> {
  const files = new Map<string, DashboardFile>();
  const names = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  const present = new Set(names);
  for (const path of names) {
    if (ENCODINGS.some(({ suffix }) => path.endsWith(suffix) && present.has(path.slice(0, -suffix.length)))) continue;
    const url = `/${relative(dir, path).split(sep).join('/')}`;
    const encodings = new Set(ENCODINGS.filter(({ suffix }) => present.has(path + suffix)).map(({ name }) => name));
    const cacheControl = url === '/index.html' ? REVALIDATE : url.startsWith('/assets/') ? HASHED : SHORT;
    files.set(url, { path, encodings, cacheControl });
  }
  return files;
}

/**
 * The coding to answer an Accept-Encoding header with (RFC 9110 12.5.3): the acceptable one (q > 0,
 * named or by `*`) with the highest weight among those available, br before gzip on a tie; undefined
 * for the plain file.
 */
export function chooseEncoding(header: string | undefined, available: ReadonlySet<Encoding>): Encoding | undefined {
  if (!header) return undefined;
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined);
    weights.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  let best: Encoding | undefined;
  let bestWeight = 0;
  for (const { name } of ENCODINGS) {
    const weight = weights.get(name) ?? weights.get('*') ?? 0;
    if (available.has(name) && weight > bestWeight) [best, bestWeight] = [name, weight];
  }
  return best;
}

import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { dashboardDist } from '../src/web/dashboard-files.js';
import { requireDashboardBuild } from './support/dashboard-browser.js';
import { useTestHub } from './support/test-hub.js';

/** The first page's JavaScript as it crosses the wire, at most. */
const FIRST_PAGE_WIRE_BYTES = 100_000;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as sent, still compressed. */
  body: Buffer;
}

// node:http, not fetch: fetch decompresses, and these tests count and check the bytes as sent.
const get = (url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    request(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });

const decoded = ({ headers, body }: RawResponse): Buffer =>
  headers['content-encoding'] === 'br' ? brotliDecompressSync(body) : headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;

/** The entry script and the chunks index.html preloads with it. */
const firstPageScripts = (html: string): string[] =>
  [...html.matchAll(/<(?:script type="module"[^>]*src|link rel="modulepreload"[^>]*href)="(\/[^"]+\.js)"/g)].map((match) => match[1]!);

describe('the dashboard files over HTTP', () => {
  beforeAll(requireDashboardBuild);
  const hub = useTestHub();
  const dist = () => dashboardDist()!;
  const url = (path: string) => `${hub.httpUrl}${path}`;
  let scripts: string[];
  beforeAll(async () => {
    scripts = firstPageScripts(decoded(await get(url('/'), { 'accept-encoding': 'br, gzip' })).toString());
  });

  it("keeps the first page's JavaScript under 100 kB on the wire: index.html's scripts and modulepreloads, as a browser asks for them", async () => {
    expect(scripts.length).toBeGreaterThan(0);
    let wire = 0;
    for (const script of scripts) {
      const response = await get(url(script), { 'accept-encoding': 'br, gzip' });
      expect(response.status).toBe(200);
      expect(response.headers['content-encoding']).toBe('br');
      wire += response.body.length;
    }
    expect(wire).toBeLessThan(FIRST_PAGE_WIRE_BYTES);
  });

  it('answers each coding the browser accepts with the same file, typed as the file, and says it varies by Accept-Encoding', async () => {
    const script = scripts[0]!;
    const original = readFileSync(join(dist(), script));
    const cases: Array<[accept: string | undefined, coding: string | undefined]> = [
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0, gzip', 'gzip'],
      ['gzip;q=0.5, br;q=0.2', 'gzip'],
      ['*', 'br'],
      ['identity', undefined],
      [undefined, undefined],
    ];
    for (const [accept, coding] of cases) {
      const response = await get(url(script), accept === undefined ? {} : { 'accept-encoding': accept });
      expect({ accept, coding: response.headers['content-encoding'] }).toEqual({ accept, coding });
      expect(response.headers['content-type']).toMatch(/^text\/javascript/);
      expect(response.headers.vary).toMatch(/Accept-Encoding/i);
      expect(Number(response.headers['content-length'])).toBe(response.body.length);
      expect(decoded(response).equals(original)).toBe(true);
    }
    const css = (await get(url('/'))).body.toString().match(/href="(\/assets\/[^"]+\.css)"/)?.[1];
    expect((await get(url(css!), { 'accept-encoding': 'gzip' })).headers['content-type']).toMatch(/^text\/css/);
  });

  it('lets browsers keep hashed assets for a year and asks again for index.html, answering 304 for an unchanged ETag', async () => {
    const asset = await get(url(scripts[0]!), { 'accept-encoding': 'br' });
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const etag = String(asset.headers.etag);
    const again = await get(url(scripts[0]!), { 'accept-encoding': 'br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    // Another coding is another representation: the br ETag does not match the gzip file.
    expect((await get(url(scripts[0]!), { 'accept-encoding': 'gzip', 'if-none-match': etag })).status).toBe(200);

    const index = await get(url('/'), { 'accept-encoding': 'br, gzip' });
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect((await get(url('/'), { 'accept-encoding': 'br, gzip', 'if-none-match': String(index.headers.etag) })).status).toBe(304);
  });

  it('answers app paths with index.html, HEAD without a body, and a missing asset with 404 (not HTML)', async () => {
    const page = await get(url('/rules/42'), { 'accept-encoding': 'gzip' });
    expect(page.status).toBe(200);
    expect(decoded(page).equals(readFileSync(join(dist(), 'index.html')))).toBe(true);
    const head = await get(url(scripts[0]!), { 'accept-encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect((await get(url('/assets/gone-0000.js'))).status).toBe(404);
    expect((await get(url('/api/health'))).headers['content-type']).toMatch(/json/);
  });
});

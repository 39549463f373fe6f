/** A failed API call: `status` 0 when the hub could not be reached at all; `body` is the hub's JSON answer, if any. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown = undefined,
  ) {
    super(message);
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The hub's REST API. JSON in and out; errors carry the hub's own message (Nest sends `message` as a
 * string or, from validation, as a list). A 401 also tells `onUnauthorized`, so any call can end the session.
 */
export class Api {
  onUnauthorized: () => void = () => {};

  constructor(private readonly fetchFn: typeof fetch = (input, init) => fetch(input, init)) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchFn(path, {
        method,
        credentials: 'same-origin',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'The hub cannot be reached');
    }
    if (response.status === 401) this.onUnauthorized();
    if (!response.ok) throw await apiError(response);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

async function apiError(response: Response): Promise<ApiError> {
  const fallback = `${response.status} ${response.statusText}`.trim();
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return new ApiError(response.status, fallback);
  }
  const message = (body as { message?: unknown } | null)?.message;
  if (Array.isArray(message)) return new ApiError(response.status, message.join('; '), body);
  return new ApiError(response.status, typeof message === 'string' && message ? message : fallback, body);
}

/** The hub has no such thing: a 404 (what was asked for is gone, or this hub has no such API yet). */
export const notFound = (error: unknown): boolean => error instanceof ApiError && error.status === 404;

/** `/api/entities/light.kitchen/command`: ids are slugs, but encode them anyway. */
export const entityPath = (id: string, suffix = ''): string => `/api/entities/${encodeURIComponent(id)}${suffix}`;

/** The pages in the navigation, in order; a `nested` page also owns the paths under it (`/rules/<id>`). */
export const PAGES = [
  { path: '/', label: 'Home', icon: 'M3 11 12 4l9 7v9h-6v-6H9v6H3z' },
  { path: '/energy', label: 'Energy', icon: 'M13 2 4 14h7l-1 8 9-12h-7z' },
  { path: '/garden', label: 'Garden', icon: 'M12 21V11m0 0C12 6 8 4 4 4c0 5 3 7 8 7Zm0 3c0-4 3-7 8-7 0 5-3 7-8 7' },
  { path: '/devices', label: 'Devices', icon: 'M7 3h10v18H7zM11 17h2' },
  { path: '/rules', label: 'Rules', icon: 'M6 3v12m12-6a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM6 21a3 3 0 1 0 0-6 3 3 0 0 0 0 6Zm12-12a9 9 0 0 1-9 9', nested: true },
  { path: '/settings', label: 'Settings', icon: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8Zm0-6v3m0 14v3M2 12h3m14 0h3M5 5l2 2m10 10 2 2M5 19l2-2M17 7l2-2' },
] as const;

/** Pages reached from other pages, not from the navigation: an entity's history at `/history/<entity id>`. */
export const DETAIL_PAGES = [{ path: '/history', label: 'History', nested: true }] as const;

type Page = (typeof PAGES)[number] | (typeof DETAIL_PAGES)[number];
export type PagePath = Page['path'];

/** The page a path belongs to, or undefined (not found). */
export function pageOf(path: string): Page | undefined {
  return [...PAGES, ...DETAIL_PAGES].find((page) => page.path === path || ('nested' in page && path.startsWith(`${page.path}/`)));
}

/** Path-based routing: the hub answers every non-API path with index.html. */
export class Router {
  path = $state(location.pathname);

  constructor() {
    addEventListener('popstate', () => (this.path = location.pathname));
  }

  go(path: string): void {
    if (path === this.path) return;
    history.pushState(null, '', path);
    this.path = path;
    scrollTo(0, 0);
  }

  /** For `onclick` on in-app links: plain clicks navigate in place, modified clicks keep the browser's behaviour. */
  link = (event: MouseEvent): void => {
    const anchor = event.currentTarget as HTMLAnchorElement;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    this.go(anchor.pathname);
  };
}

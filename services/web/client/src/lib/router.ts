import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routes (`#/matches/m1`): the server answers every page with the same index.html, and a
 * link shared with a friend (`#/pay/…`, `#/transfers/…`) opens the right screen directly.
 */
export interface Route {
  path: string;
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path = '/', search = ''] = raw.split('?');
  const clean = path.startsWith('/') ? path : `/${path}`;
  return {
    path: clean,
    parts: clean.split('/').filter(Boolean).map(decodeURIComponent),
    query: new URLSearchParams(search),
  };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export const href = (...parts: string[]): string => `#/${parts.map(encodeURIComponent).join('/')}`;

export function navigate(to: string): void {
  if (location.hash !== to) location.hash = to;
}

/** An absolute link to a client route, for sharing (split payment, transfer). */
export const shareUrl = (hashRoute: string): string => `${location.origin}${location.pathname}${hashRoute}`;

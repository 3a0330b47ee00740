/** URI checks and pattern matching (exact, prefix, wildcard) as the WAMP spec defines them. */

export type MatchPolicy = 'exact' | 'prefix' | 'wildcard';

// Loose rules (spec "Relaxed/Loose URI"): components are non-empty, no whitespace, no '.' or '#' inside.
const LOOSE_URI = /^([^\s.#]+\.)*[^\s.#]+$/;
// Wildcard patterns may have empty components.
const WILDCARD_URI = /^(([^\s.#]+\.)|\.)*([^\s.#]+)?$/;

export function isValidUri(uri: string, match: MatchPolicy = 'exact'): boolean {
  if (uri.length === 0 || uri.length > 1024) return false;
  if (match === 'wildcard') return WILDCARD_URI.test(uri);
  if (match === 'prefix') return LOOSE_URI.test(uri) || LOOSE_URI.test(uri.replace(/\.$/, ''));
  return LOOSE_URI.test(uri);
}

export function isMatchPolicy(value: unknown): value is MatchPolicy {
  return value === 'exact' || value === 'prefix' || value === 'wildcard';
}

/** A wildcard pattern split in components; '' matches any one component. */
export function wildcardMatches(components: readonly string[], uri: string): boolean {
  const parts = uri.split('.');
  if (parts.length !== components.length) return false;
  for (let i = 0; i < parts.length; i++) {
    const want = components[i]!;
    if (want !== '' && want !== parts[i]) return false;
  }
  return true;
}

/** Whether a registration/subscription pattern covers a URI. */
export function patternMatches(match: MatchPolicy, pattern: string, uri: string): boolean {
  if (match === 'exact') return pattern === uri;
  if (match === 'prefix') return uri.startsWith(pattern);
  return wildcardMatches(pattern.split('.'), uri);
}

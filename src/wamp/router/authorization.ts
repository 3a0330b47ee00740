/**
 * Role-based authorization: each role maps URI patterns to the actions it may take. When a realm lists
 * roles, anything not granted is denied; the most specific rule wins (exact, then longest prefix, then
 * wildcard), so a narrow deny can sit inside a broad allow.
 */
import { patternMatches } from '../protocol/uri.ts';
import type { Permission, RoleConfig } from './options.ts';

export type Action = 'publish' | 'subscribe' | 'call' | 'register';

function specificity(rule: Permission): number {
  if (rule.match === 'exact') return 3_000_000;
  if (rule.match === 'prefix') return 2_000_000 + rule.uri.length;
  return 1_000_000 + rule.uri.split('.').filter((part) => part !== '').length;
}

export class Authorizer {
  readonly #roles: Map<string, Permission[]> | undefined;

  constructor(roles: readonly RoleConfig[] | undefined) {
    if (roles === undefined) {
      this.#roles = undefined;
      return;
    }
    this.#roles = new Map();
    for (const role of roles) {
      // Most specific first, so the first match decides.
      this.#roles.set(
        role.name,
        [...role.permissions].sort((a, b) => specificity(b) - specificity(a)),
      );
    }
  }

  /** Whether a role exists (always true when the realm configures no roles). */
  hasRole(role: string): boolean {
    return this.#roles === undefined || this.#roles.has(role);
  }

  authorize(role: string, uri: string, action: Action): boolean {
    if (this.#roles === undefined) return true;
    const rules = this.#roles.get(role);
    if (rules === undefined) return false;
    for (const rule of rules) if (patternMatches(rule.match, rule.uri, uri)) return rule[action] === true;
    return false;
  }
}

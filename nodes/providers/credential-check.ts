// Preflight helpers: a missing key is a validation issue naming the variable, before anything runs.
import type { Credentials } from '../api';

export type PreflightIssue = { field: string; message: string };

export function missingVariable(variable: string, purpose: string): PreflightIssue {
  return { field: 'credentials', message: `${variable} is not set: ${purpose} (set it in the environment or in .env)` };
}

export function firstSet(credentials: Credentials, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = credentials.get(name)?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

export function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(true|1|yes)$/i.test(value.trim());
}

/** A base URL as safe to show: no user:password, no query string. */
export function displayUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(not a valid URL)';
  }
}

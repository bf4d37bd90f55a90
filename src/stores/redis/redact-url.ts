/**
 * Hides the password of a Redis URL wherever one is printed (log lines, errors, the crawl
 * summary). Kept apart from the connection code so that printing a location never loads the
 * Redis client.
 */

/** The URL with its password hidden (`redis://user:***@host`), for anything a user reads. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}

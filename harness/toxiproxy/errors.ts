/**
 * API errors of the embedded Toxiproxy server, with the real server's statuses and messages.
 *
 * Handlers throw `ApiError`; the HTTP layer turns it into `{"error":"<message>","status":<n>}`.
 */

/** An error answered to an API client with the given HTTP status. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** The fixed messages of the real server (api.go). */
export const MSG = {
  badRequestBody: 'bad request body',
  missingField: 'missing required field',
  proxyNotFound: 'proxy not found',
  proxyExists: 'proxy already exists',
  invalidStream: 'stream was invalid, can be either upstream or downstream',
  invalidToxicType: 'invalid toxic type',
  toxicExists: 'toxic already exists',
  toxicNotFound: 'toxic not found',
} as const;

export const badBody = (detail: string): ApiError => new ApiError(400, `${MSG.badRequestBody}: ${detail}`);
export const missingField = (field: string): ApiError => new ApiError(400, `${MSG.missingField}: ${field}`);
export const proxyNotFound = (): ApiError => new ApiError(404, MSG.proxyNotFound);
export const toxicNotFound = (): ApiError => new ApiError(404, MSG.toxicNotFound);

/** Go's name for the JSON kind of a value, as in `json: cannot unmarshal <kind> into ...`. */
export function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return `number ${String(v)}`;
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  return 'object';
}

// Errors a service throws to mean "tell the client this": the error handler turns them into
// { statusCode, error, message } bodies. Anything else is a 500 with no detail leaked.
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  /** machine-readable fields sent next to the message (e.g. `retry_with`) */
  body: Record<string, unknown> = {};
  constructor(statusCode: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
  }
}

export const badRequest = (message: string, code = 'BadRequest') => new HttpError(400, code, message);
export const unauthorized = (message: string, code = 'Unauthorized') => new HttpError(401, code, message);
export const forbidden = (message: string, code = 'Forbidden') => new HttpError(403, code, message);
export const notFound = (message: string, code = 'NotFound') => new HttpError(404, code, message);
export const conflict = (message: string, code = 'Conflict') => new HttpError(409, code, message);

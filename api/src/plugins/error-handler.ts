import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { HttpError } from '../http-errors.ts';
import { humanIssue, predicate } from './validation-messages.ts';

const STATUS_NAMES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
};

export default fp(async function errorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof HttpError) {
      return reply
        .code(err.statusCode)
        .headers(err.headers)
        .send({ ...err.body, statusCode: err.statusCode, error: err.code, message: err.message });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'request';
      // `details` keeps the machine path (body.selection.0.path); `message` is for people
      const details = err.validation.map((v) => ({
        path: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
        message: predicate(v),
      }));
      const message = [...new Set(err.validation.map((v) => humanIssue(v, where)))].join('. ');
      return reply.code(400).send({ statusCode: 400, error: 'ValidationError', message, details });
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err, issues: err.cause.issues }, 'response did not match its schema');
      return reply.code(500).send({ statusCode: 500, error: 'InternalServerError', message: 'Internal server error' });
    }
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.code(status).send({ statusCode: status, error: 'InternalServerError', message: 'Internal server error' });
    }
    // Fastify's own 4xx (bad JSON, body too large, rate limit, …) carry a safe message
    return reply.code(status).send({ statusCode: status, error: STATUS_NAMES[status] ?? 'Error', message: err.message });
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ statusCode: 404, error: 'NotFound', message: `No route ${req.method} ${req.url.split('?')[0]}` }),
  );
});

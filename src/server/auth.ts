import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** Accepts `Authorization: Bearer <token>` or, for browsers' WebSockets, `?token=<token>`. */
export function hasValidToken(request: FastifyRequest, expected: string): boolean {
  const header = request.headers.authorization;
  const query = (request.query as Record<string, unknown> | undefined)?.token;
  const given = header?.startsWith('Bearer ') ? header.slice(7) : typeof query === 'string' ? query : '';
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

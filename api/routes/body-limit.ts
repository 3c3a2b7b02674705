import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HttpProblem } from '../problem.ts';
import { BODY_PATH } from './define.ts';

/**
 * Refuses a body larger than `maxSize` bytes with 413 problem+json, before any of it is parsed or
 * held. A body of a stated length is judged by its `Content-Length` (Node's parser reads no more
 * than that), so the request is not turned into a web stream just to be measured; only a chunked
 * body is counted as it arrives.
 */
export function limitBody(maxSize: number): MiddlewareHandler {
  const tooLarge = (): never => {
    throw new HttpProblem('body_too_large', `The body is larger than ${maxSize} bytes`, [{ path: BODY_PATH, message: `at most ${maxSize} bytes` }]);
  };
  const counted = bodyLimit({ maxSize, onError: tooLarge });
  return (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return counted(c, next);
    if (Number.parseInt(length, 10) > maxSize) tooLarge();
    return next();
  };
}

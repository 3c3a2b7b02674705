import { bodyLimit } from 'hono/body-limit';
import { HttpProblem } from '../problem.ts';
import { BODY_PATH } from './define.ts';

/** Refuses a body larger than `maxSize` bytes with 413 problem+json, before any of it is parsed or held. */
export function limitBody(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new HttpProblem('body_too_large', `The body is larger than ${maxSize} bytes`, [{ path: BODY_PATH, message: `at most ${maxSize} bytes` }]);
    },
  });
}

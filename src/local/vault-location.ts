/** Which vault a command means, and the check that refuses a malformed GMV_DATABASE_URL. */
import { GmvError } from '../errors.js';
import type { StoreTarget } from './vault-target.js';

export { redactUrl, resolveTarget, targetLocation, type StoreTarget } from './vault-target.js';

/** The target, refused when GMV_DATABASE_URL is not a PostgreSQL URL. */
export function checkedTarget(target: StoreTarget): StoreTarget {
  if (target.kind === 'postgres' && !/^postgres(?:ql)?:\/\//.test(target.url)) {
    throw new GmvError('INVALID_INPUT', { what: 'GMV_DATABASE_URL', detail: 'detail.databaseUrlScheme' });
  }
  return target;
}

import { describe, expect, it } from 'vitest';
import { translateStoreError } from '../../src/store/driver.js';
import { GmvError } from '../../src/errors.js';

/** A driver error as pg or better-sqlite3 raise it. */
function driverError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

function codeOf(error: unknown): string | undefined {
  return error instanceof GmvError ? error.code : undefined;
}

describe('driver errors a user can act on', () => {
  const where = 'postgres://gmv@db.example/vault';

  it.each([
    ['disk_full', driverError('could not extend file "base/16384/2619": No space left on device', '53100')],
    // A new connection on a full tablespace: PostgreSQL's FATAL carries the internal-error code.
    ['the relation-cache init file of a new connection', driverError('could not write init file', 'XX000')],
    ['a data file that cannot grow', driverError('could not extend file "base/1/2": wrote only 4096 of 8192 bytes', 'XX000')],
    ['SQLite', driverError('database or disk is full', 'SQLITE_FULL')],
  ])('a full disk is STORE_FULL (%s)', (_what, error) => {
    const translated = translateStoreError(error, where);
    expect(codeOf(translated)).toBe('STORE_FULL');
    expect((translated as GmvError).params.path).toBe(where);
  });

  it.each([
    ['refused', driverError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['shut down', driverError('terminating connection due to administrator command', '57P01')],
  ])('a server that is not there is STORE_UNAVAILABLE (%s)', (_what, error) => {
    expect(codeOf(translateStoreError(error, where))).toBe('STORE_UNAVAILABLE');
  });

  it('any other internal error of the server stays what it is, not a full disk', () => {
    const error = driverError('cache lookup failed for relation 1234', 'XX000');
    expect(translateStoreError(error, where)).toBe(error);
  });
});

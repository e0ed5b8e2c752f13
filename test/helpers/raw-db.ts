/** The database attacker's toolbox: plain SQL on either dialect, entries and the tree frontier rebuilt by hand. */
import { createHash } from 'node:crypto';
import type { StoreTarget } from '../../src/store/store.js';
import { canonicalJson } from '../../src/domain/canonical.js';
import { MerkleAccumulator } from '../../src/audit/merkle.js';

export interface RawDb {
  all<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  run(query: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

export async function rawDb(target: StoreTarget): Promise<RawDb> {
  if (target.kind === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(target.path, { fileMustExist: true });
    return {
      all: async <T,>(q: string, p: unknown[] = []) => db.prepare(q).all(...p) as T[],
      run: async (q: string, p: unknown[] = []) => void db.prepare(q).run(...p),
      close: async () => void db.close(),
    };
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  const numbered = (q: string) => { let i = 0; return q.replace(/\?/g, () => `$${++i}`); };
  return {
    all: async <T,>(q: string, p: unknown[] = []) => (await client.query(numbered(q), p)).rows as T[],
    run: async (q: string, p: unknown[] = []) => void (await client.query(numbered(q), p)),
    close: async () => client.end(),
  };
}

export const leafHex = (text: string): string => createHash('sha256').update(Buffer.concat([Buffer.of(0), Buffer.from(text, 'utf8')])).digest('hex');

/** Rebuild audit_tree from the leaf_hash column, as gmv's writer would have. */
export async function recomputeFrontier(db: RawDb): Promise<MerkleAccumulator> {
  const tree = new MerkleAccumulator();
  for (const row of await db.all<{ leaf_hash: string }>('select leaf_hash from audit_entries order by seq')) tree.append(Buffer.from(row.leaf_hash, 'hex'));
  await db.run('update audit_tree set size = ?, frontier = ? where id = 1', [tree.size, JSON.stringify(tree.peaks().map((p) => p.toString('hex')))]);
  return tree;
}

/** Append a well-formed entry at the tail (body, columns and leaf hash all consistent) and fix the frontier. */
export async function plantEntry(db: RawDb, fields: { action: string; actor: string | null; subject: string | null; outcome: string; details?: Record<string, unknown>; device?: string | null }): Promise<number> {
  const [last] = await db.all<{ body: string }>('select body from audit_entries order by seq desc limit 1');
  const previous = JSON.parse(last!.body) as Record<string, unknown>;
  const [{ n }] = await db.all<{ n: number | string }>('select count(*) as n from audit_entries') as [{ n: number | string }];
  const seq = Number(n);
  const body = { v: 1, vault: previous.vault, seq, at: new Date().toISOString(), device: fields.device === undefined ? previous.device : fields.device, action: fields.action, actor: fields.actor, subject: fields.subject, outcome: fields.outcome, details: fields.details ?? {} };
  const text = canonicalJson(body as never);
  await db.run('insert into audit_entries (seq, at, actor, action, subject, outcome, body, leaf_hash) values (?, ?, ?, ?, ?, ?, ?, ?)',
    [seq, body.at, body.actor, body.action, body.subject, body.outcome, text, leafHex(text)]);
  await recomputeFrontier(db);
  return seq;
}

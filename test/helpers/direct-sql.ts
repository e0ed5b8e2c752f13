/** The attacker's (or the failing disk's) hand on the vault database: plain SQL, no gmv in between. */
import type { Sandbox } from './dialects.js';

/** Run statements in order on the sandbox's vault; returns the rows of the last one. */
export async function directSql(box: Sandbox, statements: string[]): Promise<Record<string, unknown>[]> {
  if (box.target.kind === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(box.target.path);
    try {
      let rows: Record<string, unknown>[] = [];
      for (const statement of statements) {
        const prepared = db.prepare(statement);
        rows = prepared.reader ? (prepared.all() as Record<string, unknown>[]) : (prepared.run(), []);
      }
      return rows;
    } finally {
      db.close();
    }
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: box.target.url });
  await client.connect();
  try {
    let rows: Record<string, unknown>[] = [];
    for (const statement of statements) rows = (await client.query(statement)).rows as Record<string, unknown>[];
    return rows;
  } finally {
    await client.end();
  }
}

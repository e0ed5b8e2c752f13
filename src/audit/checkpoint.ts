/** Checkpoints: (vault, tree size, root, time) in canonical JSON, signed detached by the writer's key. */
import { canonicalJson } from '../domain/canonical.js';
import { parseDateOrInstant } from '../domain/dates.js';

export interface CheckpointBody {
  kind: 'gmv.audit.checkpoint';
  v: 1;
  vault: string;
  size: number;
  root: string;
  at: string;
}

export function checkpointBody(vault: string, size: number, root: Buffer, at: Date): CheckpointBody {
  return { kind: 'gmv.audit.checkpoint', v: 1, vault, size, root: root.toString('hex'), at: at.toISOString() };
}

export function checkpointText(body: CheckpointBody): string {
  return canonicalJson(body);
}

/** Parse checkpoint bytes from a file or the database; null if they are not a gmv checkpoint. */
export function parseCheckpoint(text: string): CheckpointBody | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const c = value as Partial<CheckpointBody>;
  if (c?.kind !== 'gmv.audit.checkpoint' || c.v !== 1 || typeof c.vault !== 'string' || !Number.isSafeInteger(c.size)
    || (c.size as number) < 0 || typeof c.root !== 'string' || !/^[0-9a-f]{64}$/.test(c.root) || typeof c.at !== 'string') {
    return null;
  }
  // A time that is no real instant (2027-02-30T…) is no checkpoint either.
  if (parseDateOrInstant(c.at as string)?.kind !== 'instant') return null;
  // Only the exact canonical bytes count: a re-serialized file would not match its signature anyway.
  if (checkpointText(c as CheckpointBody) !== text) return null;
  return c as CheckpointBody;
}

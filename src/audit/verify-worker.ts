/**
 * Worker thread of `gmv audit verify`: while the main thread reads and hashes every entry, this one
 * checks the signatures and has the database check every entry's stored form (row check) over a
 * second connection (see docs/SECURITY.md on the two snapshots).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { GmvError } from '../errors.js';
import type { StoreTarget } from '../local/vault-location.js';
import { openReader } from '../store/reader.js';
import { firstRowProblem, type RowProblem } from './column-check.js';
import { storeProblems, type StoreProblem } from '../store/integrity.js';
import { checkSignatures, type SignatureInput, type SignatureVerdicts } from './signatures.js';

export interface WorkerStart { target: StoreTarget }
export type WorkerOutcome<T> = { ok: T } | { error: { code?: string; params?: Record<string, unknown>; message: string } };
export interface WorkerResult { columns: WorkerOutcome<RowProblem | null>; signatures: WorkerOutcome<SignatureVerdicts>; store: WorkerOutcome<StoreProblem[]> }

async function settle<T>(work: Promise<T>): Promise<WorkerOutcome<T>> {
  try {
    return { ok: await work };
  } catch (error) {
    if (error instanceof GmvError) return { error: { code: error.code, params: error.params, message: error.message } };
    return { error: { message: error instanceof Error ? error.message : String(error) } };
  }
}

/** The row check, then the store's own integrity check, over this thread's connection. */
async function storeChecks(start: WorkerStart, vaultId: string): Promise<Pick<WorkerResult, 'columns' | 'store'>> {
  const reader = await openReader(start.target);
  try {
    const columns = await settle(firstRowProblem(reader, vaultId));
    return { columns, store: await settle(storeProblems(reader)) };
  } finally {
    await reader.close();
  }
}

const start = workerData as WorkerStart;
const port = parentPort!;
// The signature input follows once the main thread has read the checkpoints in its snapshot.
const signatureInput = new Promise<SignatureInput>((resolve) => port.once('message', resolve));
// Signatures first: their input comes within milliseconds, and should they need openpgp.js (a key or
// signature not of gmv's own shape), its import needs the event loop, which the row check (one
// synchronous SQLite statement) would hold.
const signatures = await settle(signatureInput.then(checkSignatures));
const checked = await settle(signatureInput.then((input) => storeChecks(start, input.vaultId)));
const result: WorkerResult = 'ok' in checked ? { ...checked.ok, signatures } : { columns: checked, store: checked, signatures };
port.postMessage(result);

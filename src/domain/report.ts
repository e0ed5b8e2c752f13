/**
 * The compliance report's data (`gmv report`): the shape `--format json` prints as it is (documented
 * in docs/REPORT.md; fields are added, never renamed or removed, within one `format`), and what the md
 * and html renderers read.
 */
export const REPORT_FORMAT = 'gmv-report/1';

export interface Cite { zh: string; en: string }

export type FindingArea = 'training' | 'nda' | 'rotation' | 'checklist' | 'counterfeit' | 'filing' | 'device' | 'audit';

export interface Finding {
  area: FindingArea;
  /** breach: a rule is not met today; warning: it will not be soon, or needs a look. */
  level: 'breach' | 'warning';
  /** The unit it belongs to; null: the whole vault (periodic checklists, the audit log). */
  unit: string | null;
  /** The article of the pack's rule it is judged by. */
  cite: Cite;
  /** A login, account slug, run id, device id or `audit-log`. */
  subject: string;
  /** The person's or account's name, the departed person of a rotation, a case's account. */
  name: string | null;
  /** missing, lapsed, lapsing, overdue, due, never-run, failed, unsigned, uncountersigned, unseen, … */
  state: string;
  /** The course, rotation reason, template, step or device label the finding is about. */
  what: string | null;
  /** The civil day it lapsed, lapses or is due; null when none applies. */
  due: string | null;
  /** The finding, in the report's language. */
  text: string;
  /** What to do about it, in the report's language. */
  todo: string;
}

export interface UnitStats {
  unit: string;
  /** People not departed. */
  people: number;
  /** Of them, those lacking nothing their roles need today. */
  qualified: number;
  devices: { active: number; pending: number; revoked: number; unseen: number };
}

export interface AuditSection {
  verified: boolean;
  entries: number | null;
  checkpoints: number | null;
  root: string | null;
  unsignedTail: number;
  orgFingerprint: string | null;
  latestCheckpoint: { size: number; root: string; at: string; signerFingerprint: string; signer: string | null } | null;
  error: { code: string; message: string } | null;
}

export interface ArticleRow {
  cite: Cite;
  status: 'ok' | 'warning' | 'breach';
  breaches: number;
  warnings: number;
}

export interface ReportData {
  format: typeof REPORT_FORMAT;
  vault: string;
  /** ISO-8601 UTC. */
  generatedAt: string;
  /** The China civil day the report judges against. */
  asOf: string;
  unit: string | null;
  lang: 'en' | 'zh-CN';
  policy: { name: string; title: Cite; unseenDeviceDays: number; lapsingWithinDays: number };
  signedBy: { login: string; fingerprint: string };
  articles: ArticleRow[];
  units: UnitStats[];
  rotations: { overdue: number; due: number; inProgress: number; departures: number };
  counterfeit: { open: number; overdue: number };
  unfiled: number;
  audit: AuditSection;
  findings: Finding[];
}

/**
 * How each rendering of a report of `vault` begins. The session agent signs a report only when its
 * bytes begin so (agent/server.ts): whatever reaches the socket gets no general signer, only
 * documents that say, inside what is signed, that they are gmv reports of this vault.
 */
export function reportPrefix(format: 'md' | 'html' | 'json', vault: string): string {
  if (format === 'json') return `{\n  "format": ${JSON.stringify(REPORT_FORMAT)},\n  "vault": ${JSON.stringify(vault)},\n`;
  const marker = `<!-- ${REPORT_FORMAT} vault ${vault} -->\n`;
  return format === 'html' ? `<!doctype html>\n${marker}` : marker;
}

/** Whether `data` is UTF-8 text beginning as a report of `vault` does. */
export function isReportOf(data: Uint8Array, vault: string): boolean {
  const text = Buffer.from(data).toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(data)) return false;
  return (['json', 'md', 'html'] as const).some((f) => text.startsWith(reportPrefix(f, vault)));
}

/**
 * What groups findings under one article: the citation's Chinese text, which is the measures' own
 * (two rules citing the same article in Chinese with different English glosses are one article).
 */
export function citeKey(cite: Cite): string {
  return cite.zh;
}

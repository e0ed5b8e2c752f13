/**
 * Signed staff records (Arts. 7, 25): a course someone completed, a confidentiality agreement they
 * signed, and the records of their onboarding and offboarding. The recording officer signs
 * `canonicalBytes(record)` with their person key (OpenPGP detached, binary), so `gpg --verify`
 * holds for an exported record and the access decision can check a row before it relies on it.
 *
 * `qualification` is the pure rule over those records: which of the courses a person's roles need
 * are missing or lapsed, and whether a contractor's NDA is in force, on a civil day in China.
 */
import { canonicalBytes } from './canonical.js';
import { addMonths, type CivilDate } from './dates.js';
import type { RecordEvidence, RecordText } from './checklist-record.js';

export const STAFF_RECORD_FORMAT = 'gmv-staff-record/1';
export const STAFF_RECORD_KINDS = ['training', 'nda', 'onboarding', 'offboarding'] as const;
export type StaffRecordKind = (typeof STAFF_RECORD_KINDS)[number];

export interface StaffRecord {
  format: typeof STAFF_RECORD_FORMAT;
  /** A record is signed for one vault (the session agent signs records of its own vault only). */
  vault: string;
  kind: StaffRecordKind;
  person: { login: string; name: string; employer: string | null };
  /** The course of a training record, with its title as the pack had it; null for the other kinds. */
  course: { id: string; title: RecordText } | null;
  /** Civil date the course was completed, the NDA signed, or the onboarding/departure took effect. */
  on: string;
  /** First civil day the record no longer counts (validity from the pack); null when it does not lapse. */
  lapsesOn: string | null;
  evidence: RecordEvidence[];
  /** What else the kind records: an onboarding's roles, an offboarding's exposure and what it revoked. */
  details: Record<string, unknown>;
  recordedBy: { login: string; fingerprint: string };
  /** ISO 8601 UTC instant of the recording. */
  recordedAt: string;
}

export function staffRecordBytes(record: StaffRecord): Buffer {
  return canonicalBytes(record);
}

/** The record in `text`, when it is byte for byte the canonical staff record of `vault`; else null. */
export function parseStaffRecord(text: string, vault: string): StaffRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const r = value as Partial<StaffRecord>;
  if (r?.format !== STAFF_RECORD_FORMAT || r.vault !== vault || !(STAFF_RECORD_KINDS as readonly unknown[]).includes(r.kind)) return null;
  return canonicalBytes(r).toString('utf8') === text ? r as StaffRecord : null;
}

/** Whether `data` is a staff record of `vault` (what a session agent may sign). */
export function isStaffRecordOf(data: Uint8Array, vault: string): boolean {
  return parseStaffRecord(Buffer.from(data).toString('utf8'), vault) !== null;
}

/** The day a record made on `on` lapses after `months` of validity. */
export function lapseDay(on: CivilDate, months: number): CivilDate {
  return addMonths(on, months);
}

/** What the rule reads of one record: its course ('' for an NDA) and its dates. */
export interface HeldRecord {
  kind: 'training' | 'nda';
  course: string;
  on: string;
  lapsesOn: string | null;
}

export interface QualificationRules {
  /** Course ids each role needs (from the pack). */
  roles: Record<string, { training: readonly string[] }>;
  ndaRequired: boolean;
}

export interface Shortfall {
  /** A course id, or 'nda'. */
  what: string;
  /** missing: never recorded; lapsed: the newest record lapsed on `lapsedOn`. */
  state: 'missing' | 'lapsed';
  lapsedOn: string | null;
}

export interface Lapsing {
  what: string;
  lapsesOn: string;
}

export interface Qualification {
  /** Courses (then the NDA) the person lacks today, in the order their roles name them. */
  shortfalls: Shortfall[];
  /** What they hold today, and the day it lapses. */
  held: Lapsing[];
}

/** Contractor staff work for an employer other than the organisation itself (Art. 7). */
export function isContractor(person: { employer: string | null }): boolean {
  return person.employer !== null;
}

/**
 * What a person with `roles` lacks on `today`, from their records: for each required course the
 * newest completion counts, and it lapses by itself on its lapse day (no scheduler).
 */
export function qualification(person: { roles: readonly string[]; employer: string | null }, records: readonly HeldRecord[], rules: QualificationRules, today: CivilDate): Qualification {
  const needed: string[] = [];
  for (const role of person.roles) for (const course of rules.roles[role]?.training ?? []) if (!needed.includes(course)) needed.push(course);
  const shortfalls: Shortfall[] = [];
  const held: Lapsing[] = [];
  const check = (what: string, kind: HeldRecord['kind'], course: string) => {
    const newest = records.filter((r) => r.kind === kind && r.course === course).sort((a, b) => a.on.localeCompare(b.on)).at(-1);
    if (!newest) shortfalls.push({ what, state: 'missing', lapsedOn: null });
    else if (newest.lapsesOn !== null && today >= newest.lapsesOn) shortfalls.push({ what, state: 'lapsed', lapsedOn: newest.lapsesOn });
    else if (newest.lapsesOn !== null) held.push({ what, lapsesOn: newest.lapsesOn });
  };
  for (const course of needed) check(course, 'training', course);
  if (rules.ndaRequired && isContractor(person)) check('nda', 'nda', '');
  return { shortfalls, held };
}

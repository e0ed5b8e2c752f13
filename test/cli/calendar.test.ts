/**
 * The working-day calendar through the built binary, on every dialect: known cases around the 2025
 * National Day break, a later year flagged (exit 12) until an officer imports its calendar, imports
 * refused for non-officers and for bad files, and the same answers whatever the machine's time zone.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { audit } from '../helpers/session-helpers.js';
import { CALENDAR_2027, CALENDAR_2027_BAD, CALENDAR_2027_BAD_LINE } from '../helpers/calendars.js';

const ZHAO = 'zhao-min-collects-old-maps-52';
const ZONES = [undefined, 'America/Los_Angeles', 'Pacific/Kiritimati'];

describe.each(dialects())('gmv calendar on %s', (dialect) => {
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  const ok = async (args: string[], t: Sandbox, input?: string) => {
    const r = await gmv(args, { env: t.env, input });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  const inZone = (t: Sandbox, tz: string | undefined): Sandbox => (tz ? { ...t, env: { ...t.env, TZ: tz } } : t);

  it('answers the 2025 National Day cases the State Council published, in any time zone', async () => {
    const box = await sandbox(dialect);
    await initVault(box.env);
    for (const tz of ZONES) {
      const t = inZone(box, tz);
      expect((await ok(['calendar', 'add-workdays', '2025-09-28', '7'], t)).stdout, tz).toBe('2025-10-14\n');
      expect(JSON.parse((await ok(['calendar', 'add-workdays', '2025-09-28', '7', '--json'], t)).stdout)).toEqual({ from: '2025-09-28', workdays: 7, date: '2025-10-14' });
      // Saturday 2025-10-11 is worked to make up for the break; 2025-10-01 is National Day.
      expect((await ok(['calendar', 'is-workday', '2025-10-11'], t)).stdout, tz).toBe('yes\n');
      expect((await ok(['calendar', 'is-workday', '2025-10-01'], t)).stdout, tz).toBe('no\n');
      expect((await ok(['calendar', 'is-workday', '2025-10-08'], t)).stdout, tz).toBe('no\n');
      expect((await ok(['calendar', 'is-workday', '2025-10-09'], t)).stdout, tz).toBe('yes\n');
      expect(JSON.parse((await ok(['calendar', 'is-workday', '2025-10-11', '--json'], t)).stdout)).toMatchObject({ date: '2025-10-11', workday: true, kind: 'adjusted-workday', name: '国庆节' });
    }
    expect((await ok(['calendar', 'is-workday', '2025-10-01', '--lang', 'zh-CN'], box)).stdout).toBe('否\n');
    expect((await ok(['calendar', 'add-workdays', '2025-10-14', '--', '-7'], box)).stdout).toBe('2025-09-28\n');
    const bad = await gmv(['calendar', 'is-workday', '2025-02-30', '--json'], { env: box.env });
    expect(bad.code).toBe(2);
  }, 120_000);

  it('flags a later year until an officer imports its calendar; non-officers and bad files are refused', async () => {
    const box = await sandbox(dialect);
    const zhao = otherTerminal(box, 'zhao');
    terminals.push(box, zhao);
    await initVault(box.env);

    // Past chinese-days' last day (2026-10-10) the shipped 2026 file answers (the notice has no holiday
    // after National Day); without a 2027 calendar nothing about 2027 is answered.
    expect((await gmv(['calendar', 'add-workdays', '2026-09-30', '4'], { env: box.env })).stdout).toBe('2026-10-12\n');
    expect((await gmv(['calendar', 'is-workday', '2026-12-31'], { env: box.env })).stdout).toBe('yes\n');
    for (const args of [['calendar', 'is-workday', '2027-10-09'], ['calendar', 'add-workdays', '2027-09-30', '2'], ['calendar', 'add-workdays', '2026-12-28', '5']]) {
      const flagged = await gmv([...args, '--json'], { env: box.env });
      expect(flagged.code, args.join(' ')).toBe(12);
      expect(JSON.parse(flagged.stdout).error.code).toBe('CALENDAR_UNKNOWN');
    }
    const human = await gmv(['calendar', 'is-workday', '2027-10-09'], { env: box.env });
    expect(human.code).toBe(12);
    expect(human.stdout).toBe('');
    expect(human.stderr).toContain('gmv calendar import 2027.yaml');
    expect((await gmv(['calendar', 'is-workday', '2027-10-09', '--lang', 'zh-CN'], { env: box.env })).stderr).toContain('不作推测');

    const good = join(box.dir, '2027.yaml');
    const badFile = join(box.dir, '2027-bad.yaml');
    writeFileSync(good, CALENDAR_2027);
    writeFileSync(badFile, CALENDAR_2027_BAD);

    // A person without the security-officer role is refused, and the refusal is audited.
    await ok(['login', '--login', 'li.an', '--passphrase-file', '-'], box, OFFICER_PASSPHRASE);
    await ok(['staff', 'add', '--login', 'zhao.min', '--name', '赵敏', '--unit', '宣传科', '--roles', 'editor'], box);
    const enroll = JSON.parse((await ok(['device', 'enroll', '--login', 'zhao.min', '--passphrase-file', '-', '--json'], zhao, ZHAO)).stdout);
    await ok(['device', 'approve', enroll.code], box);
    await ok(['login', '--login', 'zhao.min', '--passphrase-file', '-'], zhao, ZHAO);
    const refused = await gmv(['calendar', 'import', good, '--json'], { env: zhao.env });
    expect(refused.code, refused.stderr).toBe(4);
    expect(JSON.parse(refused.stdout).error.code).toBe('DENIED_ROLE');
    expect(await audit(box.env, 'calendar.import')).toEqual([
      expect.objectContaining({ actor: 'zhao.min', outcome: 'denied', subject: good, details: expect.objectContaining({ rule: 'role' }) }),
    ]);
    expect((await gmv(['calendar', 'is-workday', '2027-10-09'], { env: box.env })).code).toBe(12);

    // A bad file: exit 11 with the line of the problem, and nothing stored.
    const invalid = await gmv(['calendar', 'import', badFile, '--json'], { env: box.env });
    expect(invalid.code, invalid.stderr).toBe(11);
    const error = JSON.parse(invalid.stdout).error;
    expect(error.code).toBe('CALENDAR_INVALID');
    expect(error.message).toContain(`2027-bad.yaml:${CALENDAR_2027_BAD_LINE}: 2027-09-28 is a weekday`);
    // The YAML parser's and the schema's complaints are said in the reader's language too.
    const tabbed = join(box.dir, '2027-tabs.yaml');
    writeFileSync(tabbed, 'year: 2027\nholidays:\n\t- name: x\n');
    const typed = join(box.dir, '2027-typed.yaml');
    writeFileSync(typed, 'year: twenty\nholidays:\n  - name: x\n    from: 2027-01-01\n');
    for (const [file, zh] of [[tabbed, '2027-tabs.yaml:3：不是有效的 YAML（用制表符缩进'], [typed, '2027-typed.yaml:1：year：类型应为 数字']] as const) {
      const r = await gmv(['calendar', 'import', file, '--lang', 'zh-CN'], { env: box.env });
      expect(r.code, r.stderr).toBe(11);
      expect(r.stderr).toContain(zh);
      expect(r.stderr.replace(/20\d\d-\w+\.yaml|YAML|docs\/calendar-files\.md|year/g, '')).not.toMatch(/[A-Za-z]{3,}/);
    }
    expect((await audit(box.env, 'calendar.import')).filter((e) => e.outcome === 'ok')).toEqual([]);
    expect((await gmv(['calendar', 'is-workday', '2027-10-09'], { env: box.env })).code).toBe(12);
    const { openStore } = await import('../../src/store/store.js');
    const store = await openStore(box.target, { mode: 'open' });
    try {
      expect(await store.db.selectFrom('calendars').selectAll().execute()).toEqual([]);
    } finally {
      await store.close();
    }

    // The officer imports it: content and SHA-256 stored, one audit entry, and 2027 is answered.
    const imported = JSON.parse((await ok(['calendar', 'import', good, '--json'], box)).stdout);
    const digest = createHash('sha256').update(CALENDAR_2027).digest('hex');
    expect(imported).toEqual({ year: 2027, sha256: digest, holidays: 19, adjustedWorkdays: 3, replaces: null });
    const entries = (await audit(box.env, 'calendar.import')).filter((e) => e.outcome === 'ok');
    expect(entries).toEqual([expect.objectContaining({ actor: 'li.an', subject: '2027', details: expect.objectContaining({ sha256: digest, file: '2027.yaml' }) })]);
    for (const tz of ZONES) {
      const t = inZone(box, tz);
      expect((await ok(['calendar', 'is-workday', '2027-10-09'], t)).stdout, tz).toBe('yes\n');
      expect((await ok(['calendar', 'is-workday', '2027-10-04'], t)).stdout, tz).toBe('no\n');
      expect((await ok(['calendar', 'add-workdays', '2027-09-30', '2'], t)).stdout, tz).toBe('2027-10-09\n');
    }
    const store2 = await openStore(box.target, { mode: 'open' });
    try {
      const rows = await store2.db.selectFrom('calendars').selectAll().execute();
      expect(rows.map((r) => ({ year: Number(r.year), content: r.content, sha256: r.sha256, imported_by: r.imported_by }))).toEqual([{ year: 2027, content: CALENDAR_2027, sha256: digest, imported_by: 'li.an' }]);
    } finally {
      await store2.close();
    }
    // Still nothing guessed beyond what is known: 2028 stays flagged.
    expect((await gmv(['calendar', 'is-workday', '2028-01-03'], { env: box.env })).code).toBe(12);
    expect((await gmv(['calendar', 'add-workdays', '2027-12-30', '5'], { env: box.env })).code).toBe(12);
    await ok(['audit', 'verify'], box);
  }, 240_000);
});

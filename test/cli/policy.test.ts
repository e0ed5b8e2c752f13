/**
 * gmv policy validate | show | apply through the built binary, on SQLite and PostgreSQL: bad packs are
 * named by line and column, an officer's apply changes what the vault enforces (lock-out after failed
 * logins), a non-officer's apply and a pack under the legal floors are refused and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE } from '../helpers/cli.js';
import { audit, lockAll, parse } from '../helpers/session-helpers.js';

const PACK = join(import.meta.dirname, '..', '..', 'policies', 'shenyang-2021.yaml');
const shipped = readFileSync(PACK, 'utf8');
const ZHANG_PASSPHRASE = 'river-willow-9K-stone-bridge';

/** Line (1-based) of the first line of `text` holding `needle`. */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

interface Shown { pack: { name: string; sha256: string }; override: { name: string } | null; rules: { rule: string; value: unknown; source: string; origin: string; cite: { zh: string; en: string } }[] }
const rule = (shown: Shown, name: string) => shown.rules.find((r) => r.rule === name);

describe('gmv policy validate (no vault needed)', () => {
  let box: Sandbox;
  beforeAll(async () => {
    box = await sandbox('sqlite');
  });

  it('the shipped Shenyang pack is valid, and default.yaml is the same pack', async () => {
    const ok = await gmv(['policy', 'validate', PACK], { env: box.env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('a valid policy pack (shenyang-2021)');
    expect(readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8')).toBe(shipped);
  });

  it('names each kind of problem with its line and column, and exits 11', async () => {
    const bad = shipped
      .replace('max_failures: 5', 'max_failures: "five"')
      .replace('  crl_days: 30\n', '  crl_days: 30\n  surprise: true\n')
      .replace('"^沈阳.{0,8}(发布|官方|政务)$"', '"沈阳.*发布"')
      .replace('training: [security-basics]\n    cite: { zh: 办法第三十一条', 'training: [forensics]\n    cite: { zh: 办法第三十一条')
      .replace('performers: [security-officer, account-admin]\n    countersign: { required: true, roles: [leader] }', 'performers: [security-officer, janitor]\n    countersign: { required: true, roles: [leader] }')
      .replace('starts: [filing-change]', 'starts: [filing-change, impersonation-sweep]')
      .replace('countersign: { required: false, roles: [] }\n', 'countersign: { required: false, roles: [] }\n    starts: [account-closure]\n')
      .replace('trigger: { event: offboarding }\n', 'trigger: { event: offboarding }\n    starts: [exit-interview]\n');
    const file = write(box.dir, 'bad.yaml', bad);
    const result = await gmv(['policy', 'validate', file, '--json'], { env: box.env });
    expect(result.code).toBe(11);
    const { problems } = JSON.parse(result.stdout) as { problems: { path: string; line: number; column: number; code: string; message: string }[] };
    const find = (code: string) => problems.find((p) => p.code === code);
    expect(find('policyType')).toMatchObject({ path: 'login.max_failures', line: lineOf(bad, 'max_failures: "five"'), column: 17 });
    expect(find('policyUnknownKey')).toMatchObject({ path: 'devices.surprise', line: lineOf(bad, 'surprise: true'), column: 3 });
    // Structure first: the references and patterns are checked once the types are right.
    const fixed = bad.replace('max_failures: "five"', 'max_failures: 5').replace('  surprise: true\n', '');
    const second = await gmv(['policy', 'validate', write(box.dir, 'bad2.yaml', fixed), '--json'], { env: box.env });
    expect(second.code).toBe(11);
    const refs = (JSON.parse(second.stdout) as { problems: typeof problems }).problems;
    const at = (code: string) => refs.filter((p) => p.code === code).map((p) => `${p.path}@${p.line}`);
    expect(at('policyRegexUnanchored')).toEqual([`impersonation.name_patterns.0@${lineOf(fixed, '"沈阳.*发布"')}`]);
    expect(at('policyNoCourse')).toEqual([`roles.auditor.training.0@${lineOf(fixed, 'training: [forensics]')}`]);
    expect(at('policyNoRole')).toEqual([`checklists.account-closure.performers.1@${lineOf(fixed, 'janitor')}`]);
    expect(at('policyNoTemplate')).toEqual([`checklists.offboarding.starts.0@${lineOf(fixed, 'starts: [exit-interview]')}`]);
    expect(refs.find((p) => p.code === 'policyCycle')?.message).toBe('checklist templates start one another in a cycle: impersonation-sweep → account-closure → impersonation-sweep');
  });

  it('human output lists every problem as FILE:LINE:COLUMN, in Chinese too', async () => {
    const bad = shipped.replace('"^沈阳.{0,8}(发布|官方|政务)$"', '"^(a+)+$"').replace('retention_days: 183', 'retention_days: 90');
    const file = write(box.dir, 'bad3.yaml', bad);
    const result = await gmv(['policy', 'validate', file], { env: box.env });
    expect(result.code).toBe(11);
    expect(result.stderr).toContain(`${file}:${lineOf(bad, '"^(a+)+$"')}:7: impersonation.name_patterns.0: a quantified group holds another quantifier`);
    expect(result.stderr).toContain(`${file}:${lineOf(bad, 'retention_days: 90')}:19: audit.retention_days: 90 is below the floor of 183 that the Cybersecurity Law art. 21`);
    const zh = await gmv(['policy', 'validate', file, '--lang', 'zh-CN'], { env: box.env });
    expect(zh.stderr).toContain('《网络安全法》第二十一条');
  });

  it('refuses a pack that is not UTF-8, naming its line, instead of reading it with replacement characters', async () => {
    // "name: 沈阳" saved as GBK: its bytes are not UTF-8.
    const file = join(box.dir, 'gbk.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from('# pack\nname: '), Buffer.from([0xc9, 0xf2, 0xd1, 0xf4]), Buffer.from('\n')]));
    const r = await gmv(['policy', 'validate', file, '--json'], { env: box.env });
    expect(r.code, r.stdout).toBe(11);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'INPUT_NOT_UTF8', exit: 11 });
    expect(JSON.parse(r.stdout).error.message).toContain('line 2');
  });

  it('says what is wrong with the YAML and the values in the reader\'s language, not the parser\'s English', async () => {
    const tabs = write(box.dir, 'tabs.yaml', 'override: local\nlogin:\n\tmax_failures: 3\n');
    const typed = write(box.dir, 'typed.yaml', 'override: local\nlogin:\n  max_failures: three\n');
    const fraction = write(box.dir, 'fraction.yaml', 'override: local\nlogin:\n  max_failures: 2.5\n');
    const cases: [string, string, string][] = [[tabs, 'a tab used for indentation', '用制表符缩进'], [typed, 'login.max_failures: expected number', 'login.max_failures: 类型应为 数字'], [fraction, 'login.max_failures: expected a whole number', 'login.max_failures: 类型应为 整数']];
    for (const [file, en, zh] of cases) {
      const english = await gmv(['policy', 'validate', file], { env: box.env });
      expect(english.code, english.stderr).toBe(11);
      expect(english.stderr).toContain(en);
      const chinese = await gmv(['policy', 'validate', file, '--lang', 'zh-CN'], { env: box.env });
      expect(chinese.stderr).toContain(zh);
      // Nothing of the YAML or schema library's English is left: only the file's own path and keys.
      expect(chinese.stderr.replaceAll(file, '').replace(/login\.max_failures|YAML|\(yaml\)/g, '')).not.toMatch(/[A-Za-z]{3,}/);
    }
  });
});

describe('a vault created before packs carried citations', () => {
  it('keeps enforcing its recorded values, shown with the Shenyang citations', async () => {
    const box = await sandbox('sqlite');
    await initVault(box.env);
    // The default.yaml earlier gmv versions recorded at init, with one value changed.
    const legacy = 'name: default\nversion: 1\naudit:\n  retention_days: 400\npassphrase:\n  min_length: 12\n  kdf:\n    memory_kib: 65536\n    iterations: 3\n    parallelism: 4\n'
      + 'session:\n  idle_minutes: 15\n  max_hours: 8\nlogin:\n  max_failures: 5\n  backoff_seconds: 2\ndevices:\n  certificate_days: 365\n  crl_days: 30\n'
      + 'credentials:\n  history: 5\n  recovery_codes_low: 3\n  clipboard_seconds: 20\nrotation:\n  periodic_days: 0\n  event_due_days: 3\nplatforms: {}\n';
    // Recorded as such a vault holds it: the text with its SHA-256, sealed by the organisation key.
    const [{ openVault }, { unlockPerson }, { orgKeyFor }, { keySigner }, { sealPolicy }, { writeTransaction }, { Secret }] = await Promise.all([
      import('../../src/services/vault.js'), import('../../src/services/unlock.js'), import('../../src/services/officer-keys.js'),
      import('../../src/audit/log.js'), import('../../src/services/state-seals.js'), import('../../src/store/store.js'), import('../../src/crypto/secret.js'),
    ]);
    const vault = await openVault({ target: box.target, paths: box.paths });
    try {
      const signer = keySigner(await orgKeyFor(vault, await unlockPerson(vault, 'li.an', Secret.fromString(OFFICER_PASSPHRASE))));
      const sha256 = createHash('sha256').update(legacy).digest('hex');
      await writeTransaction(vault.store, async (trx) => {
        await trx.updateTable('policies').set({ body: legacy, sha256 }).execute();
        await sealPolicy(trx, vault.vaultId, signer, { pack: sha256, override: null }, new Date().toISOString());
      });
    } finally {
      await vault.store.close();
    }
    const shown = parse<Shown>(await gmv(['policy', 'show', '--json'], { env: box.env }));
    expect(rule(shown, 'audit.retention_days')).toMatchObject({ value: 400, source: 'pack', origin: 'default', cite: { en: 'Cybersecurity Law art. 21; measures art. 24' } });
    expect(rule(shown, 'checklists.backup-restore-drill.deadline_working_days')?.value).toBe(10);
    await lockAll(box.dir, [box.env]);
  });
});

async function setup(dialect: 'sqlite' | 'postgres'): Promise<{ box: Sandbox; zhang: Sandbox }> {
  const box = await sandbox(dialect);
  const pack = write(box.dir, 'pack.yaml', shipped.replace(/backoff_seconds: \d+/, 'backoff_seconds: 0'));
  await initVault(box.env, ['--policy', pack]);
  const zhang = otherTerminal(box, 'zhang');
  expect((await gmv(['login', '--login', 'li.an', '--passphrase-file', '-'], { env: box.env, input: OFFICER_PASSPHRASE })).code).toBe(0);
  expect((await gmv(['staff', 'add', '--login', 'zhang.wei', '--name', '张伟', '--unit', '宣传科', '--roles', 'editor'], { env: box.env })).code).toBe(0);
  const enrolled = parse<{ code: string }>(await gmv(['device', 'enroll', '--login', 'zhang.wei', '--passphrase-file', '-', '--json'], { env: zhang.env, input: ZHANG_PASSPHRASE }));
  expect((await gmv(['device', 'approve', enrolled.code], { env: box.env })).code).toBe(0);
  return { box, zhang };
}

const attempt = (zhang: Sandbox, passphrase: string) => gmv(['login', '--login', 'zhang.wei', '--passphrase-file', '-'], { env: zhang.env, input: passphrase });

describe.each(dialects())('gmv policy show | apply on %s', (dialect) => {
  let box: Sandbox;
  let zhang: Sandbox;
  let override: string;

  beforeAll(async () => {
    ({ box, zhang } = await setup(dialect));
    override = write(box.dir, 'local.yaml', 'override: strict-local\nlogin:\n  max_failures: 2\n');
  });

  afterAll(async () => {
    await lockAll(box?.dir, [box?.env, zhang?.env]);
  });

  it('policy show --json lists each rule\'s value, source and citation', async () => {
    const shown = parse<Shown>(await gmv(['policy', 'show', '--json'], { env: box.env }));
    expect(shown.pack.name).toBe('shenyang-2021');
    expect(shown.override).toBeNull();
    expect(rule(shown, 'login.max_failures')).toEqual({ rule: 'login.max_failures', value: 5, source: 'pack', origin: 'shenyang-2021', cite: { zh: '等保2.0 8.1.4.1 登录失败处理', en: 'MLPS 2.0 8.1.4.1 login-failure handling' } });
    expect(rule(shown, 'audit.retention_days')?.cite.zh).toContain('第二十一条');
    expect(rule(shown, 'checklists.filing-change.deadline_working_days')).toMatchObject({ value: 7, cite: { zh: '办法第十二条', en: 'Measures art. 12' } });
    const human = await gmv(['policy', 'show', '--lang', 'zh-CN'], { env: box.env });
    expect(human.stdout).toMatch(/login\.max_failures\s+5\s+策略包 shenyang-2021\s+等保2\.0/);
  });

  it('a non-officer\'s apply is refused (exit 4), audited, and changes nothing', async () => {
    expect((await attempt(zhang, ZHANG_PASSPHRASE)).code).toBe(0);
    const refused = await gmv(['policy', 'apply', override], { env: zhang.env });
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toContain('policy.apply needs the role security-officer');
    expect((await gmv(['lock'], { env: zhang.env })).code).toBe(0);
    const denied = (await audit(box.env, 'policy.apply')).filter((e) => e.outcome === 'denied');
    expect(denied).toMatchObject([{ actor: 'zhang.wei', details: { rule: 'role' } }]);
    expect(rule(parse<Shown>(await gmv(['policy', 'show', '--json'], { env: box.env })), 'login.max_failures')?.value).toBe(5);
  });

  it('a pack or override under a floor is refused with the law it breaks; the vault keeps its policy', async () => {
    const weak = write(box.dir, 'weak.yaml', 'override: weak\nlogin:\n  max_failures: 0\n');
    const result = await gmv(['policy', 'apply', weak], { env: box.env });
    expect(result.code).toBe(11);
    expect(result.stderr).toContain(`Policy ${weak} is invalid at login.max_failures (3:17): 0 is below the floor of 1 that MLPS 2.0 (GB/T 22239-2019) 8.1.4.1 b`);
    const short = write(box.dir, 'short.yaml', shipped.replace('retention_days: 183', 'retention_days: 30'));
    const zh = await gmv(['policy', 'apply', short, '--lang', 'zh-CN'], { env: box.env });
    expect(zh.code).toBe(11);
    expect(zh.stderr).toContain('30 低于《网络安全法》第二十一条');
    const shown = parse<Shown>(await gmv(['policy', 'show', '--json'], { env: box.env }));
    expect(shown.override).toBeNull();
    expect(rule(shown, 'audit.retention_days')?.value).toBe(183);
    expect((await audit(box.env, 'policy.apply')).filter((e) => e.outcome === 'ok')).toEqual([]);
  });

  it('an officer\'s override is recorded with its SHA-256 and enforced: zhang is locked after 2 failures, not 5', async () => {
    const applied = parse<{ kind: string; name: string; sha256: string }>(await gmv(['policy', 'apply', override, '--json'], { env: box.env }));
    expect(applied).toMatchObject({ kind: 'override', name: 'strict-local' });
    const { createHash } = await import('node:crypto');
    expect(applied.sha256).toBe(createHash('sha256').update(readFileSync(override)).digest('hex'));
    const entry = (await audit(box.env, 'policy.apply')).find((e) => e.outcome === 'ok');
    expect(entry).toMatchObject({ actor: 'li.an', subject: 'strict-local', details: { kind: 'override', pack: 'shenyang-2021', sha256: applied.sha256 } });
    const shown = parse<Shown>(await gmv(['policy', 'show', '--json'], { env: box.env }));
    expect(rule(shown, 'login.max_failures')).toMatchObject({ value: 2, source: 'override', origin: 'strict-local' });
    expect(rule(shown, 'login.backoff_seconds')).toMatchObject({ value: 0, source: 'pack' });
    expect((await attempt(zhang, 'guess-one-aaaa-bbbb')).code).toBe(5);
    expect((await attempt(zhang, 'guess-two-aaaa-bbbb')).code).toBe(5);
    const locked = await attempt(zhang, ZHANG_PASSPHRASE);
    expect(locked.code).toBe(5);
    expect(locked.stderr).toContain('zhang.wei is locked after 2 failed logins');
  });

  it('applying a pack drops the override', async () => {
    const result = parse<{ kind: string; name: string }>(await gmv(['policy', 'apply', PACK, '--json'], { env: box.env }));
    expect(result).toMatchObject({ kind: 'pack', name: 'shenyang-2021' });
    const shown = parse<Shown>(await gmv(['policy', 'show', '--json'], { env: box.env }));
    expect(shown.override).toBeNull();
    expect(rule(shown, 'login.max_failures')).toMatchObject({ value: 5, source: 'pack' });
    expect(rule(shown, 'login.backoff_seconds')?.value).toBe(2);
    // The packs and the override applied here are the ones the signed log says: audit verify agrees.
    const verified = await gmv(['audit', 'verify'], { env: box.env });
    expect(verified.code, verified.stderr).toBe(0);
  });
});

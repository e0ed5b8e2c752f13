/**
 * Steps share the caller's transaction: one change (offboarding, in the next issue) revokes many
 * terminals under one CRL, ends grants and bindings, retires keys and queues rotations with all
 * their audit entries and one checkpoint — or, when any part fails, leaves nothing behind.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dialects, otherTerminal, sandbox, type Sandbox } from '../helpers/dialects.js';
import { gmv, initVault, OFFICER_PASSPHRASE, train } from '../helpers/cli.js';
import { activePolicy, commitChange, openVault } from '../../src/services/vault.js';
import { unlockPerson } from '../../src/services/unlock.js';
import { caFor } from '../../src/services/officer-keys.js';
import { endBinding, endGrant, issueCrl, queueRotation, retireKeys, revokeDeviceStep } from '../../src/services/steps.js';
import { readCrl } from '../../src/crypto/x509.js';
import { Secret } from '../../src/crypto/secret.js';
import { GmvError } from '../../src/errors.js';
import type { AuditDraft } from '../../src/audit/entry.js';

const ZHAO = 'zhao-min-collects-old-maps-52';
const WANG = 'wang-fang-likes-long-walks-31';

describe.each(dialects())('steps in one change on %s', (dialect) => {
  const terminals: Sandbox[] = [];
  afterAll(async () => {
    for (const t of terminals) await gmv(['lock'], { env: t.env });
  });

  it('revoke two terminals under one CRL, end a grant and a binding, retire keys: all or nothing', async () => {
    const box = await sandbox(dialect);
    const zhao = otherTerminal(box, 'zhao');
    const wang = otherTerminal(box, 'wang');
    terminals.push(box, zhao, wang);
    const run = async (args: string[], t: Sandbox, input?: string) => {
      const r = await gmv(args, { env: t.env, input });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    await initVault(box.env);
    await run(['login', '--login', 'li.an', '--passphrase-file', '-'], box, OFFICER_PASSPHRASE);
    await train(box.env, 'li.an', 'security-officer');
    await run(['account', 'add', '--slug', 'wechat-oa', '--platform', 'wechat-oa', '--name', '沈阳发布', '--unit', '宣传科'], box);
    await run(['grant', 'add', 'li.an', 'wechat-oa', '--can', 'reveal,otp,manage'], box);
    await run(['secret', 'set', 'wechat-oa', '--field', 'password', '--from-file', '-'], box, 'Wechat-Version-One-1');
    for (const [t, login, name, pass] of [[zhao, 'zhao.min', '赵敏', ZHAO], [wang, 'wang.fang', '王芳', WANG]] as const) {
      await run(['staff', 'add', '--login', login, '--name', name, '--unit', '宣传科', '--roles', 'editor'], box);
      await train(box.env, login, 'editor');
      const enroll = JSON.parse((await run(['device', 'enroll', '--login', login, '--passphrase-file', '-', '--json'], t, pass)).stdout);
      await run(['device', 'approve', enroll.code], box);
    }
    await run(['grant', 'add', 'zhao.min', 'wechat-oa', '--can', 'reveal'], box);
    await run(['binding', 'add', 'wechat-oa', '--role', 'long-term-operator', '--person', 'zhao.min'], box);
    await run(['lock'], box);

    const vault = await openVault({ target: box.target, paths: box.paths });
    try {
      const db = vault.store.db;
      const officer = await unlockPerson(vault, 'li.an', Secret.fromString(OFFICER_PASSPHRASE));
      const ca = await caFor(vault, officer);
      const policy = await activePolicy(db);
      const people = new Map((await db.selectFrom('people').select(['id', 'login']).execute()).map((p) => [p.login, Number(p.id)]));
      const devices = await db.selectFrom('devices').select(['id', 'person_id', 'cert_serial']).where('person_id', 'in', [people.get('zhao.min')!, people.get('wang.fang')!]).execute();
      expect(devices).toHaveLength(2);
      const account = await db.selectFrom('accounts').select(['id', 'slug']).where('slug', '=', 'wechat-oa').executeTakeFirstOrThrow();
      const binding = await db.selectFrom('bindings').select('id').where('removed_at', 'is', null).executeTakeFirstOrThrow();
      const snapshot = async () => ({
        entries: Number((await db.selectFrom('audit_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
        checkpoints: Number((await db.selectFrom('audit_checkpoints').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
        crls: Number((await db.selectFrom('crls').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
        activeDevices: (await db.selectFrom('devices').select('id').where('status', '=', 'active').execute()).length,
        liveGrants: (await db.selectFrom('grants').select('id').where('removed_at', 'is', null).execute()).length,
        liveBindings: (await db.selectFrom('bindings').select('id').where('removed_at', 'is', null).execute()).length,
        activeKeys: (await db.selectFrom('person_keys').select('fingerprint').where('status', '=', 'active').execute()).length,
        liveWraps: (await db.selectFrom('wraps').select('id').where('revoked_at', 'is', null).execute()).length,
        queue: (await db.selectFrom('rotation_queue').select('id').execute()).length,
      });

      const offboard = (failAtEnd: boolean) => commitChange(vault, async (trx) => {
        const ctx = { trx, at: vault.now(), actor: officer.login, policy };
        const audit: AuditDraft[] = [];
        for (const d of devices) audit.push(...(await revokeDeviceStep(ctx, d.id, 'left the unit')).audit);
        const crlNumber = await issueCrl(ctx, ca);
        const grant = await endGrant(ctx, { personId: people.get('zhao.min')!, login: 'zhao.min', accountId: Number(account.id), slug: account.slug }, 'departure');
        audit.push(...grant!.audit);
        audit.push(...(await endBinding(ctx, { id: Number(binding.id), slug: account.slug, role: 'long-term-operator', person: 'zhao.min', external: null })).audit);
        audit.push(...(await retireKeys(ctx, { personId: people.get('zhao.min')!, login: 'zhao.min' }, 'departure')).audit);
        await queueRotation(trx, Number(account.id), 'departure', 'zhao.min left', ctx.at, policy.rotation.eventDueDays);
        if (failAtEnd) throw new GmvError('INVALID_INPUT', { what: 'offboarding', detail: 'a later step failed' });
        return { result: crlNumber, audit };
      }, { by: officer });

      const before = await snapshot();
      await expect(offboard(true)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await snapshot()).toEqual(before);

      const crlNumber = await offboard(false);
      const after = await snapshot();
      expect(after).toMatchObject({
        crls: before.crls + 1, checkpoints: before.checkpoints + 1, activeDevices: before.activeDevices - 2,
        liveGrants: before.liveGrants - 1, liveBindings: before.liveBindings - 1, activeKeys: before.activeKeys - 1,
      });
      // 2 revocations, the grant, the binding and the key retirement: five entries under one checkpoint.
      expect(after.entries).toBe(before.entries + 5);
      expect(after.liveWraps).toBeLessThan(before.liveWraps);
      expect(after.queue).toBeGreaterThan(before.queue);
      const crl = await db.selectFrom('crls').select('pem').where('crl_number', '=', crlNumber).executeTakeFirstOrThrow();
      const caCert = await db.selectFrom('device_ca').select('cert_pem').executeTakeFirstOrThrow();
      const listed = readCrl(crl.pem, caCert.cert_pem).entries.map((e) => e.serialHex);
      for (const d of devices) expect(listed).toContain(d.cert_serial);
      const checkpoint = await db.selectFrom('audit_checkpoints').select('signer_fingerprint').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(checkpoint.signer_fingerprint).toBe(officer.keyFingerprint);
    } finally {
      await vault.store.close();
    }
    await run(['audit', 'verify'], box);
    const listed = JSON.parse((await run(['device', 'list', '--json'], box)).stdout).devices as { login: string; status: string }[];
    expect(listed.filter((d) => d.login !== 'li.an').map((d) => d.status)).toEqual(['revoked', 'revoked']);
  }, 400_000);
});

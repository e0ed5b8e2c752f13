/** Values that were constants in the services come from the pack, with their citation, and old recorded packs keep the old values. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { effectivePolicy, parsePolicy } from '../../src/policy/policy.js';

const shipped = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8');

describe('pack values that were constants', () => {
  it('the shipped pack states them, and policy show lists each with its source and citation', async () => {
    const p = await parsePolicy(shipped, 'default');
    expect(p.bindings).toEqual({ limits: { 'wechat-oa': { admin: 1, 'long-term-operator': 5, 'short-term-operator': 20 } }, shortTermDays: 30 });
    expect(p.login.maxBackoffSeconds).toBe(900);
    expect(p.devices.caDays).toBe(3650);
    expect(p.rotation.lookAheadDays).toBe(14);
    const rule = (name: string) => p.rules.find((r) => r.rule === name);
    expect(rule('bindings.limits.wechat-oa.long-term-operator')).toMatchObject({ value: 5, source: 'pack', cite: { en: expect.stringContaining('WeChat') } });
    expect(rule('bindings.short_term_days')).toMatchObject({ value: 30 });
    expect(rule('login.max_backoff_seconds')).toMatchObject({ value: 900, cite: { en: expect.stringContaining('MLPS 2.0') } });
    expect(rule('devices.ca_days')).toMatchObject({ value: 3650 });
    expect(rule('devices.unseen_days')).toMatchObject({ value: 90, cite: { zh: '办法第二十五条（终端管理）' } });
    expect(rule('rotation.look_ahead_days')).toMatchObject({ value: 14 });
    expect(p.backups.encryptToRoles).toEqual(['security-officer']);
    expect(rule('backups.encrypt_to_roles')).toMatchObject({ value: ['security-officer'], cite: { zh: '办法第二十八条' } });
  });

  it('a recorded pack written before these keys keeps the values gmv used then', async () => {
    const old = shipped.replace(/\n {2}max_backoff_seconds: \d+/, '').replace(/\n {2}ca_days: \d+/, '').replace(/\n {2}look_ahead_days: \d+/, '')
      .replace(/\n {2}unseen_days: \d+/, '').replace(/\nbindings:\n(?: {2}.*\n)+/, '\n').replace(/\nbackups:\n(?: {2}.*\n)+/, '\n');
    expect(old).not.toMatch(/^ *(max_backoff_seconds|ca_days|look_ahead_days|unseen_days|bindings|backups):/m);
    const p = await parsePolicy(old, 'recorded');
    expect(p.login.maxBackoffSeconds).toBe(900);
    expect(p.devices.caDays).toBe(3650);
    expect(p.devices.unseenDays).toBe(90);
    expect(p.rotation.lookAheadDays).toBe(14);
    expect(p.bindings.limits['wechat-oa']).toEqual({ admin: 1, 'long-term-operator': 5, 'short-term-operator': 20 });
    // Backups went to the security officers before a pack could say so.
    expect(p.backups.encryptToRoles).toEqual(['security-officer']);
  });

  it('an override replaces one limit and leaves the rest to the pack', async () => {
    const p = await effectivePolicy({ text: shipped, source: 'pack' }, { text: 'override: tighter\nbindings:\n  limits:\n    wechat-oa: { long-term-operator: 2 }\nlogin:\n  max_backoff_seconds: 60\n', source: 'override' });
    expect(p.bindings.limits['wechat-oa']).toEqual({ admin: 1, 'long-term-operator': 2, 'short-term-operator': 20 });
    expect(p.login.maxBackoffSeconds).toBe(60);
    expect(p.rules.find((r) => r.rule === 'bindings.limits.wechat-oa.long-term-operator')).toMatchObject({ value: 2, source: 'override', origin: 'tighter' });
    expect(p.rules.find((r) => r.rule === 'rotation.look_ahead_days')).toMatchObject({ value: 14, source: 'pack' });
    await expect(parsePolicy(shipped.replace('encrypt_to_roles: [security-officer]', 'encrypt_to_roles: [nobody-here]'), 't')).rejects.toMatchObject({ code: 'POLICY_INVALID', params: { detail: expect.stringContaining('backups.encrypt_to_roles.0') } });
    await expect(parsePolicy(shipped.replace('ca_days: 3650', 'ca_days: 0'), 't')).rejects.toMatchObject({ code: 'POLICY_INVALID', params: { detail: expect.stringContaining('devices.ca_days') } });
  });

  it('a parsed policy is the same after a JSON round trip (the terminal caches it as JSON)', async () => {
    for (const p of [
      await parsePolicy(shipped, 'default'),
      await effectivePolicy({ text: shipped.replace('platforms: {}', 'platforms:\n  weibo: { length: 20, min_length: 16, max_length: 32, classes: [lower, upper, digit], symbols: "", min_per_class: 2, forbid_repeats: 2 }'), source: 'pack' },
        { text: 'override: tighter\nlogin:\n  max_failures: 3\n', source: 'override' }),
    ]) {
      expect(JSON.parse(JSON.stringify(p))).toStrictEqual(p);
    }
  });
});

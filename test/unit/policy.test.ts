import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicy } from '../../src/policy/policy.js';
import type { GmvError } from '../../src/errors.js';

const shipped = readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'default.yaml'), 'utf8');

describe('policy packs', () => {
  it('the shipped default is valid and keeps logs six months', async () => {
    const p = await parsePolicy(shipped, 'default');
    expect(p.audit.retentionDays).toBeGreaterThanOrEqual(183);
    expect(p.passphrase.kdf).toEqual({ memoryKiB: 65536, iterations: 3, parallelism: 4 });
  });

  it('refuses retention under six months, weaker KDFs, unknown keys and broken YAML', async () => {
    await expect(parsePolicy(shipped.replace('retention_days: 183', 'retention_days: 90'), 't')).rejects.toMatchObject({ code: 'POLICY_INVALID', params: { detail: expect.stringContaining('audit.retention_days') } });
    await expect(parsePolicy(shipped.replace('memory_kib: 65536', 'memory_kib: 4096'), 't')).rejects.toMatchObject({ code: 'POLICY_INVALID' });
    await expect(parsePolicy(`${shipped}\nsurprise: true\n`, 't')).rejects.toMatchObject({ code: 'POLICY_INVALID' });
    await expect(parsePolicy('audit: [', 't')).rejects.toMatchObject({ code: 'POLICY_INVALID' });
  });
});

describe('platform password rules in the policy', () => {
  it('defaults apply, and an override replaces one platform\'s rules', async () => {
    const base = await parsePolicy(shipped, 'default');
    expect(base.platforms.weibo).toMatchObject({ length: 16, classes: ['lower', 'upper', 'digit'] });
    const custom = await parsePolicy(shipped.replace('platforms: {}', 'platforms:\n  weibo: { length: 20, min_length: 8, max_length: 20, classes: [lower, upper, digit, symbol], symbols: "!@#", min_per_class: 2 }'), 't');
    expect(custom.platforms.weibo).toEqual({ length: 20, minLength: 8, maxLength: 20, classes: ['lower', 'upper', 'digit', 'symbol'], symbols: '!@#', minPerClass: 2 });
    expect(custom.platforms.douyin).toEqual(base.platforms.douyin);
    const { generatePassword, checkPassword } = await import('../../src/domain/password-gen.js');
    const { randomBytes } = await import('node:crypto');
    const pw = generatePassword(custom.platforms.weibo, (n) => randomBytes(n));
    expect(pw).toHaveLength(20);
    expect(pw).toMatch(/[!@#].*[!@#]/);
    expect(checkPassword(pw, custom.platforms.weibo)).toEqual({ ok: true });
  });

  it('refuses impossible rules and unknown platforms', async () => {
    await expect(parsePolicy(shipped.replace('platforms: {}', 'platforms:\n  weibo: { length: 16, min_length: 20, max_length: 16, classes: [lower] }'), 't')).rejects.toMatchObject({ code: 'POLICY_INVALID' });
    await expect(parsePolicy(shipped.replace('platforms: {}', 'platforms:\n  myspace: { length: 16, min_length: 8, max_length: 16, classes: [lower] }'), 't')).rejects.toMatchObject({ code: 'POLICY_INVALID' });
    // The reason names its numbers, in the reader's language.
    const unfit = await parsePolicy(shipped.replace('platforms: {}', 'platforms:\n  weibo: { length: 20, min_length: 8, max_length: 20, classes: [lower, upper, digit, symbol], symbols: "!@#", min_per_class: 6 }'), 't').catch((e: GmvError) => e);
    expect((unfit as GmvError).message).toBe('Policy t is invalid at platforms.weibo: 4 classes x 6 each do not fit in 20 characters.');
    expect((unfit as GmvError).localized('zh-CN')).toBe('策略 t 无效，位置 platforms.weibo：4 个类别、每类 6 个，放不进 20 个字符。');
    const order = await parsePolicy(shipped.replace('platforms: {}', 'platforms:\n  weibo: { length: 16, min_length: 20, max_length: 16, classes: [lower] }'), 't').catch((e: GmvError) => e);
    expect((order as GmvError).localized('zh-CN')).toContain('长度须满足 1 <= minLength <= length <= maxLength <= ');
  });
});

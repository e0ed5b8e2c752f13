import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicy } from '../../src/policy/policy.js';

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

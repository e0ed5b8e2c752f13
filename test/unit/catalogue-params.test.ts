/**
 * An error's words come from the catalogue: a GmvError whose detail, subject, reason or problem is
 * an English sentence written into the code reads as English inside a zh-CN message. The source
 * is scanned for such literals (a value echoed from data, a code word or a catalogue key is fine),
 * and for stored words (a status) passed into an error as they are stored.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { render, type MessageKey } from '../../src/i18n/catalogue.js';

const ROOT = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('error parameters', () => {
  it('hold no English sentence in the code: detail, what, reason and problem are catalogue keys or data', () => {
    const found: string[] = [];
    for (const file of ['src', 'cli', 'commands'].flatMap((d) => sources(join(ROOT, d)))) {
      const text = readFileSync(file, 'utf8');
      for (const call of text.matchAll(/new (?:GmvError|DumpSyntaxError)\(([^;]*?)\)[;,)]/gs)) {
        for (const [, name, , value] of call[1]!.matchAll(/\b(detail|what|reason|problem): (['`])((?:(?!\2).)*)\2/g)) {
          // Words in a row are prose; a key, a code word (access-removed, GMV_DATABASE_URL) or a value
          // built from data (`${location}: ${detail}`, `platforms.${platform}`) is not.
          if (/^(detail|what)\./.test(value!) || !/[A-Za-z]{2,} +[A-Za-z]{2,}/.test(value!.replace(/\$\{[^}]*\}/g, ''))) continue;
          found.push(`${file.slice(ROOT.length + 1)}: ${name}: ${value}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('hold no English sentence for the device-certificate parser: every DeviceCaError names a catalogue key', () => {
    const file = join(ROOT, 'src', 'crypto', 'x509.ts');
    const text = readFileSync(file, 'utf8');
    const calls = [...text.matchAll(/new DeviceCaError\(([^,)]*)/g)].map((m) => m[1]!);
    expect(calls.length).toBeGreaterThan(50);
    expect(calls.filter((first) => !/^'detail\.\w+'$/.test(first) || render(first.slice(1, -1) as MessageKey, {}, 'en') === first.slice(1, -1))).toEqual([]);
    // The structures' labels ('CA certificate') end up in the diagnostics too; only the CA's own name is English words.
    expect(proseLiterals(text).filter((literal) => literal !== "'gmv device CA'")).toEqual([]);
  });

  it('pass stored status words as catalogue keys: a refusal says "departed" or "archived" in the reader\'s language', () => {
    const found: string[] = [];
    // The catalogue's own templates ({status}) are where the words are, not where they are passed.
    for (const file of ['src', 'cli', 'commands'].flatMap((d) => sources(join(ROOT, d))).filter((f) => !f.endsWith(join('i18n', 'catalogue.ts')))) {
      const text = readFileSync(file, 'utf8');
      for (const [statement] of text.matchAll(/[^;{}]*(?:DENIED_STATUS|DENIED_ACCOUNT_STATUS|DEVICE_NOT_PENDING|CHECKLIST_NOTE_REQUIRED|'detail\.deviceStatus')[^;]*;/g)) {
        for (const [, value] of statement.matchAll(/(?<![\w.${])status(?:: ((?:[^,{}()]|\([^()]*\))+)|(?=\s*[,}]))/g)) {
          if (value !== undefined && /^(statusKey\(|'(status|what|detail)\.)/.test(value.trim())) continue;
          found.push(`${file.slice(ROOT.length + 1)}: status: ${value ?? '(shorthand)'}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('leave only the database\'s own words in the store check: its PostgreSQL findings are data for a catalogue key', () => {
    const text = readFileSync(join(ROOT, 'src', 'store', 'integrity.ts'), 'utf8');
    expect(text).toMatch(/problems\.push\(\{/);
    expect(text).not.toMatch(/problems\.push\(\s*['`]/);
  });
});

/** String literals outside comments with two words in a row, one of them all lower case: English prose, not a name or a key. */
function proseLiterals(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  return [...code.matchAll(/(['`])((?:(?!\1)[^\\\n]|\\.)*)\1/g)]
    .filter((m) => /\b(?:[a-z]{2,} +[A-Za-z]{2,}|[A-Za-z]{2,} +[a-z]{2,})\b/.test(m[2]!.replace(/\$\{[^}]*\}/g, ' ')))
    .map((m) => m[0]);
}

/**
 * A rotation item's detail in the reader's language. The queue stores the English gmv wrote when it
 * queued the item (and `--json` gives it as stored, for scripts); the shapes gmv writes are
 * recognised and said from the catalogue, anything else (an officer's own words) is shown as stored.
 */
import { render, type Lang, type MessageKey } from '../i18n/catalogue.js';
import { isLoginHandle } from './names.js';

const SHAPES: readonly [RegExp, MessageKey, readonly string[]][] = [
  [/^grant of (\S+) expired$/, 'rotation.detail.grantExpired', ['login']],
  [/^grant of (\S+) removed$/, 'rotation.detail.grantRemoved', ['login']],
  [/^grant of (\S+) narrowed to ([a-z,]+)$/, 'rotation.detail.grantNarrowed', ['login', 'can']],
  [/^(\S+) left$/, 'rotation.detail.left', ['login']],
  [/^(\S+) left \(revealed: ([a-z_, -]+)\)$/, 'rotation.detail.leftRevealed', ['login', 'revealed']],
  [/^every ([0-9]+) days$/, 'rotation.detail.every', ['days']],
];

export function rotationDetailText(detail: string, lang: Lang): string {
  for (const [shape, key, names] of SHAPES) {
    const m = shape.exec(detail);
    if (!m) continue;
    const params = Object.fromEntries(names.map((name, i) => [name, m[i + 1]!]));
    if ('login' in params && !isLoginHandle(params.login!)) continue;
    return render(key, params, lang);
  }
  return detail;
}

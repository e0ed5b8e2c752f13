import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class SecretShow extends GmvCommand<typeof SecretShow> {
  static override summary = 'Reveal a credential you are granted (in your session, on an authorized terminal). Audited.';
  static override description = 'On a terminal the value stays hidden unless --reveal (or --clip); to a pipe or with --json it is printed as asked.';
  static override examples = ['gmv secret show weibo-press --reveal', 'gmv secret show weibo-press --clip', { description: 'In a script: to a pipe the value is printed alone', command: 'pw=$(gmv secret show weibo-press)' }, 'gmv secret show weibo-press --field totp', 'gmv secret show weibo-press --field recovery --json'];
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };
  static override flags = {
    field: Flags.option({ options: ['password', 'totp', 'otp', 'recovery', 'login', 'phone', 'email', 'notes'] as const, description: 'Which field (default: password, with the login if stored); totp gives the current code (otp: the same, older name)' })(),
    reveal: Flags.boolean({ description: 'Print the value on a terminal (it is hidden there otherwise)', default: false }),
    clip: Flags.boolean({ description: 'Copy to the clipboard instead of printing; cleared after the policy\'s seconds', default: false }),
  };

  async run(): Promise<void> {
    const field = this.flags.field === 'totp' ? 'otp' : this.flags.field;
    const { hidesOnTerminal } = await import('../../src/fast/reveal-rule.js');
    if (!this.flags.clip && hidesOnTerminal({ json: this.flags.json, reveal: this.flags.reveal, field, tty: Boolean(process.stdout.isTTY) })) {
      this.emit({}, () => this.t('secret.hidden', { account: this.args.slug, field: this.t(`field.${field ?? 'password'}` as 'field.password') }));
      return;
    }
    const { showSecret } = await import('../../src/services/secrets.js');
    const actor = await this.sessionActor();
    const vault = await this.vault();
    const clipboard = this.flags.clip ? await import('../../src/local/clipboard.js') : null;
    // No clipboard, no reveal: refuse before anything is decrypted or audited as revealed.
    clipboard?.requireClipboard(process.env);
    const r = await showSecret(vault, actor, this.args.slug, field);
    if (clipboard) {
      const { copyToClipboard } = clipboard;
      const { activePolicy } = await import('../../src/services/vault.js');
      const value = r.otp?.code ?? r.recovery?.unused[0] ?? (field && field !== 'password' ? r[field as 'login' | 'phone' | 'email' | 'notes'] : r.password);
      const seconds = (await activePolicy(vault.store.db)).credentials.clipboardSeconds;
      copyToClipboard(value ?? '', seconds, process.env);
      this.emit({ slug: r.slug, version: r.version, field: field ?? 'password', copied: true, clearsInSeconds: seconds }, () => this.t('secret.copied', { account: r.slug, seconds }));
      return;
    }
    this.emit(r, () => {
      if (r.otp) return `${r.otp.code}  (${this.t('otp.left', { seconds: r.otp.secondsLeft })})`;
      if (r.recovery) return r.recovery.unused.length ? r.recovery.unused : [this.t('recovery.none', { account: r.slug })];
      if (field && field !== 'password') return String(r[field as 'login' | 'phone' | 'email' | 'notes']);
      return r.password!;
    });
  }
}

import { Args, Flags } from '@oclif/core';
import { GmvCommand } from '../../cli/base-command.js';

export default class SecretShow extends GmvCommand<typeof SecretShow> {
  static override summary = 'Reveal a credential you are granted (in your session, on an authorized terminal). Audited.';
  static override examples = ['gmv secret show weibo-press', 'gmv secret show weibo-press --clip', 'gmv secret show weibo-press --field otp', 'gmv secret show weibo-press --field recovery --json'];
  static override args = { slug: Args.string({ description: 'Account slug', required: true }) };
  static override flags = {
    field: Flags.option({ options: ['password', 'otp', 'recovery', 'login', 'phone', 'email', 'notes'] as const, description: 'Which field (default: password, with the login if stored)' })(),
    clip: Flags.boolean({ description: 'Copy to the clipboard instead of printing; cleared after the policy\'s seconds', default: false }),
  };

  async run(): Promise<void> {
    const { showSecret } = await import('../../src/services/secrets.js');
    const actor = await this.sessionActor();
    const vault = await this.vault();
    const clipboard = this.flags.clip ? await import('../../src/local/clipboard.js') : null;
    // No clipboard, no reveal: refuse before anything is decrypted or audited as revealed.
    clipboard?.requireClipboard(process.env);
    const r = await showSecret(vault, actor, this.args.slug, this.flags.field);
    if (clipboard) {
      const { copyToClipboard } = clipboard;
      const { activePolicy } = await import('../../src/services/vault.js');
      const value = r.otp?.code ?? r.recovery?.unused[0] ?? (this.flags.field && this.flags.field !== 'password' ? r[this.flags.field as 'login' | 'phone' | 'email' | 'notes'] : r.password);
      const seconds = (await activePolicy(vault.store.db)).credentials.clipboardSeconds;
      copyToClipboard(value ?? '', seconds, process.env);
      this.emit({ account: r.account, version: r.version, field: this.flags.field ?? 'password', copied: true, clearsInSeconds: seconds }, () => this.t('secret.copied', { account: r.account, seconds }));
      return;
    }
    this.emit(r, () => {
      if (r.otp) return `${r.otp.code}  (${this.t('otp.left', { seconds: r.otp.secondsLeft })})`;
      if (r.recovery) return r.recovery.unused.length ? r.recovery.unused : [this.t('recovery.none', { account: r.account })];
      if (this.flags.field && this.flags.field !== 'password') return String(r[this.flags.field as 'login' | 'phone' | 'email' | 'notes']);
      return r.password!;
    });
  }
}

/**
 * The base of every gmv command: global flags, language, where the vault is, JSON or human output,
 * and the one place errors become messages and exit codes.
 */
import { Command, Flags, type Interfaces } from '@oclif/core';
import { GmvError, ExitCode } from '../src/errors.js';
import { langFromArgv, pickLang, render, type Lang, type MessageKey } from '../src/i18n/catalogue.js';
import { localPaths, type LocalPaths } from '../src/local/paths.js';
import { checkedTarget, resolveTarget, targetLocation, type StoreTarget } from '../src/local/vault-location.js';
import { OutputClosed, printJsonError, printNote, printResult } from '../src/fast/output.js';
import { untilFlag } from '../src/fast/until-flag.js';
import type { Vault } from '../src/services/vault.js';
import { parseCivilDate, parseDateInput, type CivilDate } from '../src/domain/dates.js';
import { translateStoreError } from '../src/store/driver.js';

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof GmvCommand)['baseFlags'] & T['flags']>;
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

export abstract class GmvCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    vault: Flags.string({ description: 'SQLite vault file (default: $GMV_VAULT, else the XDG data dir). PostgreSQL: set GMV_DATABASE_URL.', helpGroup: 'GLOBAL' }),
    json: Flags.boolean({ description: 'Print machine-readable JSON.', helpGroup: 'GLOBAL', default: false }),
    lang: Flags.option({ options: ['zh-CN', 'en'] as const, description: 'Language of messages (default from LANG).', helpGroup: 'GLOBAL' })(),
    debug: Flags.boolean({ description: 'Show stack traces of internal errors.', helpGroup: 'GLOBAL', default: false }),
    quiet: Flags.boolean({ char: 'q', description: 'No notes or warnings on stderr; results and errors only.', helpGroup: 'GLOBAL', default: false }),
  };

  protected flags!: CommandFlags<T>;
  protected args!: CommandArgs<T>;
  protected lang: Lang = pickLang(undefined, process.env);
  #vault: Vault | undefined;

  override async init(): Promise<void> {
    await super.init();
    // Ctrl+C outside a prompt (a prompt reads it as a key): say so and stop with 130. An open
    // transaction is never committed, so the database rolls it back; nothing is half-written.
    process.once('SIGINT', () => {
      printNote(`${render('error.CANCELLED', {}, this.lang)}`);
      process.exit(ExitCode.cancelled);
    });
    this.lang = langFromArgv(this.argv, process.env);
    const { args, flags, argv } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof GmvCommand).baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as CommandFlags<T>;
    this.args = args as CommandArgs<T>;
    this.positional = argv as string[];
  }

  /** The vault's (or a given policy's) rules for a new passphrase, for a prompt to check as it asks. */
  protected passphraseRules(policy?: () => Promise<import('../src/policy/policy.js').Policy>): () => Promise<import('./passphrase.js').PassphraseRules> {
    return async () => {
      const [{ loadCommonPasswords }, { activePolicy }] = await Promise.all([import('../src/policy/passphrase-rules.js'), import('../src/services/vault.js')]);
      const effective = policy ? await policy() : await activePolicy((await this.vault()).store.db);
      return { minLength: effective.passphrase.minLength, common: loadCommonPasswords() };
    };
  }

  /** All positional arguments, for commands that take a variable number (static strict = false). */
  protected positional: string[] = [];

  protected t(key: MessageKey, params: Record<string, string | number> = {}): string {
    return render(key, params, this.lang);
  }

  protected get paths(): LocalPaths {
    return localPaths(process.env);
  }

  /** --vault, else GMV_DATABASE_URL (PostgreSQL), else GMV_VAULT, else the XDG default. */
  protected storeTarget(): StoreTarget {
    return checkedTarget(resolveTarget((this.flags as { vault?: string }).vault, process.env, this.paths));
  }

  /** Where the vault is, safe to print; '(vault)' when even that cannot be told. */
  private vaultLocation(): string {
    try {
      return targetLocation(this.storeTarget());
    } catch {
      return '(vault)';
    }
  }

  /** The opened vault, closed when the command ends. */
  protected async vault(): Promise<Vault> {
    if (!this.#vault) {
      const { openVault } = await import('../src/services/vault.js');
      this.#vault = await openVault({ target: this.storeTarget(), paths: this.paths });
    }
    return this.#vault;
  }

  /** Where this terminal's session agent for this vault listens. */
  protected async agentSocket(): Promise<string> {
    const { agentSocketPath } = await import('../src/agent/protocol.js');
    return agentSocketPath(this.paths.runtimeDir, targetLocation(this.storeTarget()), this.paths.devicesDir);
  }

  /** The logged-in person of this terminal (exit 5 with "gmv login" when there is none). */
  protected async sessionActor(): Promise<import('../src/services/session.js').SessionActor> {
    const [{ requireSession }, { sessionActor }] = await Promise.all([import('../src/agent/client.js'), import('../src/services/session.js')]);
    const agent = await requireSession(await this.agentSocket());
    return sessionActor(await this.vault(), agent);
  }

  /**
   * The logged-in person when there is one, else null: only "no session" (SESSION_REQUIRED) means
   * absent; any other failure (a refusal, the store, the agent) is reported, not hidden.
   */
  protected async optionalSessionActor(): Promise<import('../src/services/session.js').SessionActor | null> {
    try {
      return await this.sessionActor();
    } catch (error) {
      if (error instanceof GmvError && error.code === 'SESSION_REQUIRED') return null;
      throw error;
    }
  }

  /**
   * What opens a backup: the recovery key file when given, else the officer of this session (none
   * on a machine without the vault: then only the recovery key opens it); an org key to pin.
   */
  protected async backupKeys(recoveryKeyFile: string | undefined, orgKeyFile: string | undefined): Promise<import('../src/services/backup-restore.js').BackupKeys> {
    const { INPUT_LIMITS, readBoundedText } = await import('../src/local/input-limits.js');
    const orgKey = orgKeyFile === undefined ? undefined : readBoundedText(orgKeyFile, INPUT_LIMITS.auditorFile, 'what.orgPublicKey');
    if (recoveryKeyFile !== undefined) return { recoveryKey: readBoundedText(recoveryKeyFile, INPUT_LIMITS.recoveryFile, 'what.recoveryKey'), orgKey };
    try {
      return { holder: await this.optionalSessionActor(), orgKey };
    } catch (error) {
      if (error instanceof GmvError && (error.code === 'VAULT_NOT_FOUND' || error.code === 'VAULT_NOT_INITIALIZED')) return { holder: null, orgKey };
      throw error;
    }
  }

  /**
   * Who acts: with --login and --passphrase-file, that person unlocked right here (for scripts and
   * one-off officer actions); otherwise the session's person.
   */
  protected async keyHolder(login: string | undefined, passphraseFile: string | undefined): Promise<import('../src/services/keys.js').KeyHolder & { deviceId: string }> {
    if (passphraseFile === undefined) return this.sessionActor();
    if (!login) throw new GmvError('USAGE', { detail: 'detail.passphraseFileNeedsLogin' });
    const [{ unlockPerson }, { readPassphrase }] = await Promise.all([import('../src/services/unlock.js'), import('./passphrase.js')]);
    const passphrase = await readPassphrase(passphraseFile, login, this.lang);
    try {
      const totpFile = (this.flags as { 'totp-file'?: string })['totp-file'];
      return await unlockPerson(await this.vault(), login, passphrase, {
        totp: () => readPassphrase(totpFile, login, this.lang, { what: 'totp', flag: '--totp-file FILE|-' }),
      });
    } finally {
      passphrase.wipe();
    }
  }

  /** --json, also when flag parsing itself failed (then only argv can tell). */
  protected get jsonMode(): boolean {
    return (this.flags as { json?: boolean } | undefined)?.json ?? this.argv.includes('--json');
  }

  /** Print a result: JSON when asked, else the human lines. */
  protected emit(json: unknown, human: () => string | string[]): void {
    printResult(this.jsonMode, json, human);
  }

  /** A note or warning for the person (stderr), which --quiet silences; errors are never silenced. */
  protected note(line: string): void {
    if (!(this.flags as { quiet?: boolean } | undefined)?.quiet) printNote(line);
  }

  /** A flag naming an instant: a day (its start in China) or an ISO-8601 timestamp with its zone. */
  protected dateFlag(name: string, value: string | undefined): Date | undefined {
    if (value === undefined) return undefined;
    const date = parseDateInput(value);
    if (!date) throw new GmvError('USAGE', { detail: 'detail.dateFlag', flag: `--${name}`, value });
    return date;
  }

  /**
   * An end given as a flag: a day includes all of that day in China (`--until 2026-12-31` lasts until
   * 2026-12-31 23:59:59.999 +08:00); a timestamp is taken as it is.
   */
  protected untilFlag(name: string, value: string | undefined): Date | undefined {
    return untilFlag(name, value);
  }

  /** A flag naming a civil day in China (a binding's or a filing's date): YYYY-MM-DD of a real day, nothing else. */
  protected civilDateFlag(name: string, value: string | undefined): CivilDate | undefined {
    if (value === undefined) return undefined;
    const day = parseCivilDate(value);
    if (!day) throw new GmvError('USAGE', { detail: 'detail.civilDateFlag', flag: `--${name}`, value });
    return day;
  }

  override async catch(error: Error & { oclif?: { exit?: number }; code?: string }): Promise<never> {
    // oclif's parse errors, in the person's language and with the exit code of every usage error.
    const usage = !(error instanceof GmvError) && error.oclif && error.code !== 'EEXIT' ? (await import('./usage-errors.js')).usageError(error, this.id, this.lang) : null;
    if (usage) error = usage;
    if (!(error instanceof GmvError) && (error.oclif || error.code === 'EEXIT')) {
      // oclif's own usage errors (unknown flag, missing argument) keep its message and exit 2.
      if (this.jsonMode && error.code !== 'EEXIT') this.writeJsonError('USAGE', error.message, ExitCode.usage);
      throw error;
    }
    // The reader of a long listing went away (`| head`): nothing failed that they did not ask for.
    if (error instanceof OutputClosed) {
      await this.closeVault();
      return this.exit(0);
    }
    // Ctrl+C at a prompt: nothing was written yet.
    if (error.name === 'ExitPromptError') error = new GmvError('CANCELLED');
    // A driver error no service translated (a read that met a corrupt page, a full disk) still gets its code.
    const store = error instanceof GmvError ? error : translateStoreError(error, this.#vault?.store.location ?? this.vaultLocation());
    const coded = store instanceof GmvError ? store : new GmvError('INTERNAL', { detail: error.message ?? String(error) }, { cause: error });
    const message = coded.localized(this.lang);
    if (this.jsonMode) this.writeJsonError(coded.code, message, coded.exitCode);
    printNote(`${this.lang === 'zh-CN' ? '错误' : 'Error'}: ${message}`);
    if (this.argv.includes('--debug') && !(error instanceof GmvError)) printNote(error.stack ?? '');
    await this.closeVault();
    return this.exit(coded.exitCode);
  }

  private writeJsonError(code: string, message: string, exit: number): void {
    printJsonError(code, message, exit);
  }

  override async finally(error: Error | undefined): Promise<void> {
    await this.closeVault();
    return super.finally(error);
  }

  private async closeVault(): Promise<void> {
    const vault = this.#vault;
    this.#vault = undefined;
    if (vault) await vault.store.close().catch(() => undefined);
  }
}

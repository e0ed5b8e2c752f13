import { Args } from '@oclif/core';
import { GmvCommand } from '../cli/base-command.js';

export default class Completion extends GmvCommand<typeof Completion> {
  static override summary = 'Print a shell completion script for gmv (bash or zsh): commands, subcommands and their flags.';
  static override description = 'Load it in your shell: eval "$(gmv completion bash)" in ~/.bashrc, or eval "$(gmv completion zsh)" in ~/.zshrc. It is generated from this gmv, so run it again after an upgrade.';
  static override examples = ['eval "$(gmv completion bash)"', 'gmv completion zsh > ~/.zsh/_gmv'];
  static override args = { shell: Args.string({ description: 'bash or zsh', options: ['bash', 'zsh'], required: true }) };

  async run(): Promise<void> {
    const { completionScript } = await import('../cli/completion-script.js');
    const commands = this.config.commands.filter((c) => !c.hidden).map((c) => ({
      id: c.id.replaceAll(':', ' '),
      flags: Object.entries(c.flags).filter(([, f]) => !f.hidden).map(([name, f]) => ({ name, options: 'options' in f && Array.isArray(f.options) ? f.options as string[] : null, takesValue: f.type === 'option' })),
    }));
    process.stdout.write(completionScript(this.args.shell as 'bash' | 'zsh', commands));
  }
}

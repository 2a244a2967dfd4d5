// supctl completion bash|zsh: a completion script for the shell, made from the command registry
// (commands, their options), completing TARGETs from the running supd (complete-targets).
//   bash: source <(supctl completion bash)      zsh: source <(supctl completion zsh)
import { Command } from 'commander';
import type { OptionValues } from 'commander';
import { SupdError } from '../../daemon/errors.js';
import type { CommandEntry, Context } from '../context.js';
import { GLOBAL_FLAGS, words } from '../flags.js';

export const name = 'completion';
export const description = 'print a shell completion script: source <(supctl completion bash), or zsh';

const SHELLS = ['bash', 'zsh'] as const;
type Shell = (typeof SHELLS)[number];

export interface Args {
  shell: Shell;
}

export function configure(cmd: Command): void {
  cmd.argument('<shell>', 'bash or zsh');
}

export function parse(operands: readonly string[], _opts: OptionValues): Args {
  const shell = operands[0] ?? '';
  if (!(SHELLS as readonly string[]).includes(shell)) throw new SupdError('SUPD_USAGE', `completion: shell must be bash or zsh, got ${JSON.stringify(shell)}`);
  return { shell: shell as Shell };
}

/** The options before the command, from the one flag table, and those commander adds itself. */
const GLOBAL_OPTIONS = [...GLOBAL_FLAGS.flatMap(words), '--help', '--version'];
/** The global options that take a value: the word after each is not the command. */
const GLOBAL_VALUES = GLOBAL_FLAGS.filter((f) => f.kind === 'value').flatMap(words);
/** Commands whose operands are not targets. */
const FILE_OPERANDS = new Set(['validate']);

interface Described {
  name: string;
  options: string[];
}

function describe(commands: readonly CommandEntry[]): Described[] {
  return commands.filter((c) => !c.hidden).map((c) => {
    const cmd = new Command(c.name);
    c.configure(cmd);
    return { name: c.name, options: [...cmd.options.flatMap((o) => [o.short, o.long]).filter((f): f is string => f !== undefined), '--help'] };
  });
}

function bash(commands: readonly Described[]): string {
  const cases = commands.map((c) => `    ${c.name}) opts="${c.options.join(' ')}" ;;`).join('\n');
  return `# supctl completion for bash: source <(supctl completion bash)
_supctl() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd="" i
  local -a global=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      ${GLOBAL_VALUES.join('|')}) global+=("\${COMP_WORDS[i]}" "\${COMP_WORDS[i+1]}"); ((i++)) ;;
      -*) ;;
      *) cmd=\${COMP_WORDS[i]}; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')} ${GLOBAL_OPTIONS.join(' ')}" -- "$cur"))
    return
  fi
  local opts=""
  case $cmd in
${cases}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ $cmd == completion ]]; then
    COMPREPLY=($(compgen -W "bash zsh" -- "$cur"))
  elif [[ $cmd == ${[...FILE_OPERANDS].join(' || $cmd == ')} ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  elif [[ $cmd == rollouts ]]; then
    COMPREPLY=($(compgen -W "cancel $(supctl "\${global[@]}" complete-targets --rollouts 2>/dev/null)" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(supctl "\${global[@]}" complete-targets 2>/dev/null)" -- "$cur"))
  fi
}
complete -F _supctl supctl
`;
}

function zsh(commands: readonly Described[]): string {
  const list = commands.map((c) => `    '${c.name}'`).join('\n');
  const cases = commands.map((c) => `    ${c.name}) opts=(${c.options.join(' ')}) ;;`).join('\n');
  return `#compdef supctl
# supctl completion for zsh: source <(supctl completion zsh)
_supctl() {
  local -a commands opts global
  commands=(
${list}
  )
  local i cmd=""
  for ((i = 2; i < CURRENT; i++)); do
    case \${words[i]} in
      ${GLOBAL_VALUES.join('|')}) global+=(\${words[i]} \${words[i+1]}); ((i++)) ;;
      -*) ;;
      *) cmd=\${words[i]}; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    compadd -- $commands ${GLOBAL_OPTIONS.join(' ')}
    return
  fi
  case $cmd in
${cases}
  esac
  if [[ \${words[CURRENT]} == -* ]]; then
    compadd -- $opts
  elif [[ $cmd == completion ]]; then
    compadd -- bash zsh
  elif [[ $cmd == ${[...FILE_OPERANDS].join(' || $cmd == ')} ]]; then
    _files
  elif [[ $cmd == rollouts ]]; then
    compadd -- cancel \${(f)"$(supctl $global complete-targets --rollouts 2>/dev/null)"}
  else
    compadd -- \${(f)"$(supctl $global complete-targets 2>/dev/null)"}
  fi
}
compdef _supctl supctl
`;
}

/** `registry`: every command, this one included, handed in by cli/commands/index.ts (importing
 * the registry from here would be an import cycle). */
export async function run(args: Args, ctx: Context, registry: readonly CommandEntry[]): Promise<number> {
  const commands = describe(registry);
  ctx.out(args.shell === 'bash' ? bash(commands) : zsh(commands));
  return 0;
}

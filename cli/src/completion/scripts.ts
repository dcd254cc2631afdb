/**
 * Shell completion scripts, generated from the registered commands (their words and option
 * names), so they never drift from the CLI. Completion offers the next command word, the
 * options of the command typed so far, `<shell>` names after `completion`, and files otherwise.
 */

/** One command as completion sees it. */
export interface CompletionCommand {
  /** `['mission', 'validate']`. */
  path: string[];
  /** Option names, long and short: `['--json', '-o', '--out']`. */
  options: string[];
}

/** Shells `rustchain completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;

/** One of COMPLETION_SHELLS. */
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** A single-quoted shell word (the values here are plain words; quoting keeps it so). */
const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** The bash script: one `_rustchain` function over a table of commands and their options. */
function bashScript(commands: readonly CompletionCommand[]): string {
  const paths = commands.map((c) => quote(c.path.join(' '))).join(' ');
  const options = commands.map((c) => `  [${quote(c.path.join(' '))}]=${quote(c.options.join(' '))}`).join('\n');
  return `# rustchain completion for bash. Load it with:  source <(rustchain completion bash)
_rustchain_commands=(${paths})
declare -A _rustchain_options=(
${options}
)

_rustchain() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local -a typed=()
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) typed+=("\${COMP_WORDS[i]}") ;; esac
  done
  local line="\${typed[*]}" command="" c
  for c in "\${_rustchain_commands[@]}"; do
    if [[ "$line" == "$c" || "$line" == "$c "* ]] && (( \${#c} > \${#command} )); then command="$c"; fi
  done
  if [[ -n "$command" ]]; then
    if [[ "$cur" == -* ]]; then
      COMPREPLY=($(compgen -W "\${_rustchain_options[$command]} --help" -- "$cur"))
    elif [[ "$command" == "completion" && "$line" == "completion" ]]; then
      COMPREPLY=($(compgen -W "${COMPLETION_SHELLS.join(' ')}" -- "$cur"))
    else
      COMPREPLY=($(compgen -f -- "$cur"))
    fi
    return 0
  fi
  # Not a whole command yet: the words that can come next after what was typed.
  local -a next=()
  local -a words
  for c in "\${_rustchain_commands[@]}"; do
    read -r -a words <<< "$c"
    local ok=1
    for ((i = 0; i < \${#typed[@]}; i++)); do
      [[ "\${words[i]}" == "\${typed[i]}" ]] || { ok=0; break; }
    done
    local word="\${words[\${#typed[@]}]}"
    if (( ok )) && [[ -n "$word" && " \${next[*]} " != *" $word "* ]]; then next+=("$word"); fi
  done
  if [[ \${#typed[@]} -eq 0 && "$cur" == -* ]]; then next=(--help --version); fi
  COMPREPLY=($(compgen -W "\${next[*]}" -- "$cur"))
}
complete -o default -F _rustchain rustchain
`;
}

/** The zsh script: the bash function through zsh's bashcompinit. */
function zshScript(commands: readonly CompletionCommand[]): string {
  return `# rustchain completion for zsh. Load it with:  source <(rustchain completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(commands).split('\n').slice(1).join('\n')}`;
}

/** The fish script: one `complete` line per command word and per option. */
function fishScript(commands: readonly CompletionCommand[]): string {
  const lines = ['# rustchain completion for fish. Load it with:  rustchain completion fish | source', 'complete -c rustchain -f'];
  const nouns = [...new Set(commands.map((c) => c.path[0]!))];
  lines.push(`complete -c rustchain -n __fish_use_subcommand -a ${quote(nouns.join(' '))}`);
  for (const noun of nouns) {
    const verbs = commands.filter((c) => c.path[0] === noun && c.path.length > 1).map((c) => c.path[1]!);
    if (verbs.length > 0) lines.push(`complete -c rustchain -n ${quote(`__fish_seen_subcommand_from ${noun}; and not __fish_seen_subcommand_from ${verbs.join(' ')}`)} -a ${quote(verbs.join(' '))}`);
  }
  lines.push(`complete -c rustchain -n ${quote('__fish_seen_subcommand_from completion')} -a ${quote(COMPLETION_SHELLS.join(' '))}`);
  for (const command of commands) {
    const condition = command.path.map((word) => `__fish_seen_subcommand_from ${word}`).join('; and ');
    for (const option of command.options) {
      const flag = option.startsWith('--') ? `-l ${option.slice(2)}` : `-s ${option.slice(1)}`;
      lines.push(`complete -c rustchain -n ${quote(condition)} ${flag}`);
    }
    // Commands taking a file complete file names.
    lines.push(`complete -c rustchain -n ${quote(condition)} -F`);
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script for `shell`. */
export function completionScript(shell: CompletionShell, commands: readonly CompletionCommand[]): string {
  if (shell === 'bash') return bashScript(commands);
  if (shell === 'zsh') return zshScript(commands);
  return fishScript(commands);
}

"""`updraft completion bash|zsh`: a shell completion script made from the argparse tree itself,
so that every verb and flag added to the CLI completes without anything to maintain.

The script holds the tree as three shell functions (the subcommands under a command path,
the flags of a path, the values a flag takes: its choices, or files), and one function per
shell that finds the command path in the words typed so far and offers what fits."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any

from updraft.cli import parsing

FILES = "@files"  # a flag whose value is free text: complete file names


@dataclass
class Node:
    commands: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # flag -> "choice choice" or FILES
    arguments: list[str] = field(default_factory=list)  # choices of positional arguments


def register(sub: Any) -> None:
    p = parsing.verb(
        sub, "completion", "Print a shell completion script",
        description=(
            "Print a completion script for bash or zsh, made from this CLI's own verbs and flags. "
            "Load it from your shell's startup file."
        ),
        example=[
            'eval "$(updraft completion bash)"      # in ~/.bashrc',
            'eval "$(updraft completion zsh)"       # in ~/.zshrc, after compinit',
            "updraft completion bash > /etc/bash_completion.d/updraft",
        ],
    )
    p.add_argument("shell", choices=("bash", "zsh"), help="The shell to complete in")
    p.set_defaults(func=cmd_completion)


def command_tree(parser: argparse.ArgumentParser) -> dict[str, Node]:
    """Each command path ("" for `updraft`, "dags", "dags list", …) with what completes there."""
    tree: dict[str, Node] = {}

    def walk(p: argparse.ArgumentParser, path: str) -> None:
        node = tree.setdefault(path, Node())
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    node.commands.append(name)
                    walk(child, f"{path} {name}".strip())
            elif not action.option_strings:
                node.arguments.extend(str(c) for c in action.choices or ())
            else:
                node.options.extend(action.option_strings)
                if action.nargs != 0:
                    value = " ".join(str(c) for c in action.choices) if action.choices else FILES
                    for flag in action.option_strings:
                        node.values[flag] = value

    walk(parser, "")
    return tree


def _data_functions(tree: dict[str, Node]) -> str:
    def case(function: str, cases: list[tuple[str, str]]) -> str:
        body = "\n".join(f'        "{key}") echo "{value}" ;;' for key, value in cases if value)
        return f'{function}() {{\n    case "$1" in\n{body}\n    esac\n}}\n'

    commands = [(path, " ".join(node.commands)) for path, node in tree.items()]
    options = [(path, " ".join(node.options)) for path, node in tree.items()]
    arguments = [(path, " ".join(node.arguments)) for path, node in tree.items()]
    values = [(f"{path}|{flag}", value) for path, node in tree.items() for flag, value in node.values.items()]
    return (
        case("_updraft_commands", commands)
        + case("_updraft_options", options)
        + case("_updraft_arguments", arguments)
        + case("_updraft_value_of", values)
        + '_updraft_value() {\n    _updraft_value_of "$1|$2"\n}\n'
    )


BASH = r"""
_updraft() {
    local cur prev cmdpath word i value commands
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    cmdpath=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${COMP_WORDS[i]}"
        case "$word" in -*) continue ;; esac
        case " $(_updraft_commands "$cmdpath") " in
            *" $word "*) cmdpath="${cmdpath:+$cmdpath }$word" ;;
        esac
    done
    value="$(_updraft_value "$cmdpath" "$prev")"
    if [[ "$value" == "@files" ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
    elif [[ -n "$value" ]]; then
        COMPREPLY=($(compgen -W "$value" -- "$cur"))
        return 0
    fi
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(_updraft_options "$cmdpath")" -- "$cur"))
        return 0
    fi
    commands="$(_updraft_commands "$cmdpath") $(_updraft_arguments "$cmdpath")"
    if [[ -n "${commands// /}" ]]; then
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return 0
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o bashdefault -o default -F _updraft updraft
"""

ZSH = r"""
_updraft() {
    local cur prev cmdpath word i value commands options
    cur="${words[CURRENT]}"
    prev="${words[CURRENT-1]}"
    cmdpath=""
    for ((i = 2; i < CURRENT; i++)); do
        word="${words[i]}"
        [[ "$word" == -* ]] && continue
        if [[ " $(_updraft_commands "$cmdpath") " == *" $word "* ]]; then
            cmdpath="${cmdpath:+$cmdpath }$word"
        fi
    done
    value="$(_updraft_value "$cmdpath" "$prev")"
    if [[ "$value" == "@files" ]]; then
        _files
        return
    elif [[ -n "$value" ]]; then
        compadd -- ${=value}
        return
    fi
    if [[ "$cur" == -* ]]; then
        options="$(_updraft_options "$cmdpath")"
        compadd -- ${=options}
        return
    fi
    commands="$(_updraft_commands "$cmdpath") $(_updraft_arguments "$cmdpath")"
    if [[ -n "${commands// /}" ]]; then
        compadd -- ${=commands}
        return
    fi
    _files
}
if [[ "${zsh_eval_context[-1]}" == loadautofunc ]]; then
    _updraft "$@"  # autoloaded from a file named _updraft in $fpath
else
    compdef _updraft updraft
fi
"""


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    header = f"# {shell} completion for updraft, generated by `updraft completion {shell}`\n"
    if shell == "zsh":
        header = "#compdef updraft\n" + header
    return header + _data_functions(command_tree(parser)) + (ZSH if shell == "zsh" else BASH)


def cmd_completion(args: argparse.Namespace) -> int:
    from updraft.cli.main import build_parser

    print(script(build_parser(), args.shell), end="")
    return 0

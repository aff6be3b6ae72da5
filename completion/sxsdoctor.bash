# bash completion for sxsdoctor(1). Installed as
# share/bash-completion/completions/sxsdoctor; works with or without the bash-completion
# package. The option names come from the completed command's own --help, so the list never
# drifts from the binary; the kinds of value below are all this file has to know.

_sxsdoctor_options()
{
    local cmd=$1
    if [[ -z ${_sxsdoctor_opts-} || ${_sxsdoctor_cmd-} != "$cmd" ]]; then
        _sxsdoctor_cmd=$cmd
        _sxsdoctor_opts=$("$cmd" --help 2>/dev/null | grep -E '^ +-' |
            sed -E 's/^ +//; s/ {2,}.*$//' | grep -oE -- '--[A-Za-z][A-Za-z-]*' | sort -u)
        # not runnable (e.g. completing a path not built yet): the options of this release
        [[ -n $_sxsdoctor_opts ]] || _sxsdoctor_opts='--json --markdown --timeline --verbose
            --progress --no-progress --hash --target-drive --boot-drive --install --rules
            --no-builtin-rules --list-rules --recovery-password --recovery-password-file
            --password-file --bek --from --jobs --help --version'
    fi
    printf '%s\n' $_sxsdoctor_opts
}

_sxsdoctor()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local cmd=${COMP_WORDS[0]}
    COMPREPLY=()
    if [[ $cur == --*=* ]]; then # --timeline=FILE
        prev=${cur%%=*}
        cur=${cur#*=}
    fi
    case $prev in
    --timeline | --recovery-password-file | --password-file | --bek | --from)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        [[ $prev == --from && -z $cur ]] && COMPREPLY+=(-)
        return
        ;;
    -r | --rules)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    -t | --target-drive | -b | --boot-drive)
        COMPREPLY=($(compgen -W 'C: D: E: F: G: H: S: T:' -- "${cur^^}"))
        return
        ;;
    -i | --install | --jobs | --recovery-password)
        return # a number, or a secret: nothing to offer
        ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_sxsdoctor_options "$cmd")" -- "$cur"))
        return
    fi
    # EVIDENCE: an image, a block device or a directory
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _sxsdoctor sxsdoctor

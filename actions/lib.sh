# shellcheck shell=bash
# Helpers, sourced by relkit's action.yml scripts, that turn INPUT_* variables into the argv of a
# relkit tool without ever passing an input through the shell as code.
#
#   source "${GITHUB_ACTION_PATH}/../lib.sh"
#   add_flag --draft "$INPUT_DRAFT"           # true -> --draft; false or empty -> nothing
#   add_opt --algorithm "$INPUT_ALGORITHM"    # non-empty -> --algorithm=VALUE
#   add_opt_lines --label "$INPUT_LABELS"     # one --label=LINE per non-empty line
#   add_lines "$INPUT_PATHS"                  # -- then one positional per non-empty line
#   relkit_run checksum                       # relkit checksum "${RELKIT_ARGS[@]}"
#
# Options are passed as `--flag=VALUE`, and positionals after `--`, so that a value starting
# with `-` can never be read as another option. Lines lose one trailing CR (inputs written on
# Windows); nothing else is trimmed, and empty lines are skipped. Errors print `::error::` and
# return 1 (action steps run with `bash -e`, so the step stops).
# Written for bash 3.2 as well (macOS runners): no mapfile, no ${var,,}, no associative arrays.

# The tools the relkit multicall binary runs; keep in sync with bin/.
RELKIT_TOOLS=(checksum smoke-check notes-gen asset-upload coverage-gate sbom artifact-check vuln-check deploy sign apt-repo)

# The argv being built.
RELKIT_ARGS=()
# Set once add_lines has appended `--`; options after that would be read as positionals.
RELKIT_POSITIONALS=false

# Escapes workflow-command data (%, CR, LF) the way the runner unescapes it.
relkit_escape() {
  local s=$1
  s=${s//'%'/%25}
  s=${s//$'\r'/%0D}
  s=${s//$'\n'/%0A}
  printf '%s' "$s"
}

relkit_error() {
  printf '::error::%s\n' "$(relkit_escape "$*")"
  return 1
}

# Fails unless $1 is a long option name; a programming error in an action.yml.
relkit_check_flag() {
  case $1 in
    --[a-z]*) ;;
    *)
      relkit_error "relkit lib.sh: '$1' is not a long option (--name)"
      return 1
      ;;
  esac
  if [[ $RELKIT_POSITIONALS == true ]]; then
    relkit_error "relkit lib.sh: $1 added after add_lines; add options first"
    return 1
  fi
}

# Calls `callback LINE` for each non-empty line of $2, minus one trailing CR.
relkit_each_line() {
  local callback=$1 text=$2 line
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    [[ -n $line ]] || continue
    "$callback" "$line" || return 1
  done <<<"$text"
}

# add_flag FLAG VALUE: appends FLAG when VALUE is `true`; nothing when `false` or empty.
add_flag() {
  relkit_check_flag "$1" || return 1
  case $2 in
    true) RELKIT_ARGS+=("$1") ;;
    false | '') ;;
    *)
      relkit_error "input for $1 must be true or false, got '$2'"
      return 1
      ;;
  esac
}

# add_opt FLAG VALUE: appends FLAG=VALUE when VALUE is not empty.
add_opt() {
  relkit_check_flag "$1" || return 1
  if [[ -n $2 ]]; then
    RELKIT_ARGS+=("$1=$2")
  fi
}

relkit_add_opt_line() {
  RELKIT_ARGS+=("$RELKIT_CURRENT_FLAG=$1")
}

# add_opt_lines FLAG TEXT: appends FLAG=LINE for each non-empty line of TEXT.
add_opt_lines() {
  relkit_check_flag "$1" || return 1
  RELKIT_CURRENT_FLAG=$1
  relkit_each_line relkit_add_opt_line "$2" || return 1
}

relkit_add_arg() {
  RELKIT_ARGS+=("$1")
}

relkit_add_pending() {
  RELKIT_PENDING+=("$1")
}

# add_lines TEXT: appends `--` (once) and then each non-empty line of TEXT as a positional.
add_lines() {
  RELKIT_PENDING=()
  relkit_each_line relkit_add_pending "$1" || return 1
  if [[ ${#RELKIT_PENDING[@]} -eq 0 ]]; then
    return 0
  fi
  if [[ $RELKIT_POSITIONALS != true ]]; then
    RELKIT_ARGS+=(--)
    RELKIT_POSITIONALS=true
  fi
  RELKIT_ARGS+=("${RELKIT_PENDING[@]}")
}

# add_args TEXT: appends each non-empty line of TEXT verbatim, one argument per line (the root
# action's `args` input: the user writes the whole argv, options included).
add_args() {
  relkit_each_line relkit_add_arg "$1"
}

# relkit_check_tool NAME: fails unless NAME is one of RELKIT_TOOLS.
relkit_check_tool() {
  local tool
  for tool in "${RELKIT_TOOLS[@]}"; do
    if [[ $1 == "$tool" ]]; then
      return 0
    fi
  done
  relkit_error "unknown relkit tool '$1'; expected one of: ${RELKIT_TOOLS[*]}"
  return 1
}

# relkit_run TOOL: runs `relkit TOOL` with the collected arguments.
relkit_run() {
  relkit "$1" ${RELKIT_ARGS[@]+"${RELKIT_ARGS[@]}"}
}

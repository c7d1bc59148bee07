#!/usr/bin/env bash
# `make demo`: bootstrap a throw-away ATK home from the bundled demo registry, on this machine only.
#
#   demo/demo.sh <venv bin dir> <atk binary> <ANSIBLE_COLLECTIONS_PATH> <demo dir>
#
# Serves demo/registry/ with git daemon on 127.0.0.1 (demo/registry_server.py), points atk's
# registry URL at it through a temporary global git config, then, with HOME inside <demo dir>:
# previews (--check --diff), converges, re-runs (changed=0) `ansible-playbook atk.core.bootstrap`,
# and shows the home and the real `atk status`. Every command is printed (indented by four spaces,
# shell-quoted) before it runs, after the environment it needs (`export ...` lines), so it can be
# pasted into a shell and run as shown. Nothing outside <demo dir> is written; the git daemon is
# stopped at the end. No network is used.
set -euo pipefail

vbin=$1 atk=$2 collections=$3 demo=$4
here=$(cd "$(dirname "$0")" && pwd)
python=$vbin/python
vars=$here/vars.yml
state=$demo/registry

rm -rf "$demo"
mkdir -p "$demo/home"
trap '"$python" "$here/registry_server.py" stop --state "$state" >/dev/null' EXIT

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
# Print a command the way it can be pasted into a shell (four spaces, then the shell-quoted words).
show() { printf '   '; printf ' %q' "$@"; printf '\n'; }
run() { show "$@"; "$@"; }

step "Serving demo/registry/ on 127.0.0.1 (git daemon) as https://github.com/Svtoo/atk-registry"
show "$python" "$here/registry_server.py" start --state "$state"
"$python" "$here/registry_server.py" start --state "$state" >/dev/null
"$python" -c 'import json, sys; info = json.load(open(sys.argv[1])); print("    %(public_url)s -> %(url)s (commit %(commit).12s)" % info)' \
    "$state/registry.json"

# A fresh "machine": its own HOME (so ~/.atk, ~/.cache and ~/.ansible are inside the demo folder)
# and a global git config that only redirects the registry URL. These are the variables the
# commands need; they are printed as export lines, from the values in effect.
export HOME="$demo/home" GIT_CONFIG_GLOBAL="$state/gitconfig" GIT_CONFIG_NOSYSTEM=1
export ANSIBLE_COLLECTIONS_PATH="$collections" PATH="$vbin:$PATH"
step "The environment of a fresh machine (paste these lines into a new shell to run the commands below yourself)"
for name in HOME GIT_CONFIG_GLOBAL GIT_CONFIG_NOSYSTEM ANSIBLE_COLLECTIONS_PATH; do
    printf '    export %s=%q\n' "$name" "${!name}"
done
# shellcheck disable=SC2016 # "$PATH" is printed as is, for the reader's own shell to expand
printf '    export PATH=%q:"$PATH"\n' "$vbin"
# The demo's temporary files (Ansible's, and the lock atk.core takes before the home exists) stay in
# the demo folder too.
mkdir -p "$demo/tmp"
export TMPDIR="$demo/tmp"
# Quieter output only; the commands work the same without these.
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false ANSIBLE_RETRY_FILES_ENABLED=false ANSIBLE_LOCALHOST_WARNING=false
export ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_DISPLAY_SKIPPED_HOSTS=false
[ -t 1 ] || export NO_COLOR=1
unset ATK_HOME XDG_CACHE_HOME ANSIBLE_HOME ANSIBLE_CONFIG
cd "$demo"

step "Preview: what the playbook would change on this machine, as a diff, touching nothing (--check --diff)"
run ansible-playbook atk.core.bootstrap --check --diff -e @"$vars"

step "Converge"
run ansible-playbook atk.core.bootstrap -e @"$vars"

step "Run it again: nothing to do (changed=0)"
show ansible-playbook atk.core.bootstrap -e @"$vars"
ansible-playbook atk.core.bootstrap -e @"$vars" | tail -n 3

step "The home it made ($HOME/.atk)"
(cd "$HOME/.atk" && find . -path ./.git -prune -o -print | LC_ALL=C sort | sed 's|^\./||; /^\.$/d; s|^|    |')
echo
run cat "$HOME/.atk/manifest.yaml"

step "The real atk CLI reads it as its own"
run "$atk" status

"$python" "$here/registry_server.py" stop --state "$state" >/dev/null
step "Done"
cat <<TEXT
The demo home stays in $demo/home/.atk; the registry server is stopped.
Look around with atk (paste the export lines above first):
$(show "$atk" status)
$(show "$atk" mcp fetch --json)
Run the playbooks again (the registry server has to run again first, and stop afterwards):
$(show "$python" "$here/registry_server.py" start --state "$state")
$(show ansible-playbook atk.core.bootstrap --check --diff -e @"$vars")
$(show "$python" "$here/registry_server.py" stop --state "$state")
Clean up:
$(show rm -rf "$demo")
TEXT

#!/usr/bin/env bash
# `make demo`: bootstrap a throw-away ATK home from the bundled demo registry, on this machine only.
#
#   demo/demo.sh <venv bin dir> <atk binary> <ANSIBLE_COLLECTIONS_PATH> <demo dir>
#
# Serves demo/registry/ with git daemon on 127.0.0.1 (demo/registry_server.py), points atk's
# registry URL at it through a temporary global git config, then, with HOME inside <demo dir>:
# previews (--check), converges, re-runs (changed=0) `ansible-playbook atk.core.bootstrap`, and
# shows the home and the real `atk status`. Nothing outside <demo dir> is written; the git
# daemon is stopped on exit. No network is used.
set -euo pipefail

vbin=$1 atk=$2 collections=$3 demo=$4
here=$(cd "$(dirname "$0")" && pwd)
python=$vbin/python

rm -rf "$demo"
mkdir -p "$demo/home"
trap '"$python" "$here/registry_server.py" stop --state "$demo/registry" >/dev/null' EXIT

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }

step "Serving demo/registry/ on 127.0.0.1 (git daemon) as https://github.com/Svtoo/atk-registry"
"$python" "$here/registry_server.py" start --state "$demo/registry" >/dev/null
"$python" -c 'import json, sys; info = json.load(open(sys.argv[1])); print("    %(public_url)s -> %(url)s (commit %(commit).12s)" % info)' \
    "$demo/registry/registry.json"

# A fresh "machine": its own HOME, ATK home, caches and global git config.
export HOME="$demo/home" ATK_HOME="$demo/home/.atk" XDG_CACHE_HOME="$demo/home/.cache"
export GIT_CONFIG_GLOBAL="$demo/registry/gitconfig" GIT_CONFIG_NOSYSTEM=1
export ANSIBLE_HOME="$demo/ansible" ANSIBLE_COLLECTIONS_PATH="$collections" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_RETRY_FILES_ENABLED=false ANSIBLE_DISPLAY_SKIPPED_HOSTS=false ANSIBLE_LOCALHOST_WARNING=false
export ANSIBLE_INVENTORY_UNPARSED_WARNING=false PATH="$vbin:$PATH"
cd "$demo"

step "Preview on a machine without an ATK home: ansible-playbook atk.core.bootstrap --check -e @demo/vars.yml"
ansible-playbook atk.core.bootstrap --check -e @"$here/vars.yml"

step "Converge: ansible-playbook atk.core.bootstrap -e @demo/vars.yml"
ansible-playbook atk.core.bootstrap -e @"$here/vars.yml"

step "Run it again: nothing to do (changed=0)"
ansible-playbook atk.core.bootstrap -e @"$here/vars.yml" | tail -n 3

step "The home ($ATK_HOME)"
(cd "$ATK_HOME" && find . -path ./.git -prune -o -print | LC_ALL=C sort | sed 's|^\./||; /^\.$/d; s|^|    |')
echo
sed 's/^/    /' "$ATK_HOME/manifest.yaml"

step "The real atk CLI reads it as its own: atk status"
NO_COLOR=1 "$atk" status

step "Done"
cat <<TEXT
The demo home stays in $demo (the registry server is stopped now).
Look around:  HOME=$HOME ATK_HOME=$ATK_HOME $atk list
Clean up:     rm -rf $demo
TEXT

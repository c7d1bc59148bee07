#!/usr/bin/env bash
# Install the Debian packages the project uses, but only the missing ones, and only when
# running as root on a Debian-like system. Safe to run repeatedly.
#
#   tests/utils/ensure-system-deps.sh [--fleet] [python]
#
# What is checked (command or capability -> Debian package):
#   make                         -> make         (the test runner itself)
#   git, git daemon              -> git          (registry fixtures, atk, modules, the demo)
#   <python> -m venv / ensurepip -> python3-venv (the .venv/ and .venv-atk/ virtualenvs)
#   --fleet: gpg, gpg-agent      -> gnupg        (the tests sign commits with OpenPGP keys they make: verified pins)
#   --fleet: ssh-keygen          -> openssh-client (the tests sign commits with SSH keys they make: verified pins)
#   --fleet: shellcheck          -> shellcheck   (ansible-test sanity's shellcheck test; skipped without it)
#   --fleet, as root only        -> openssh-server iproute2 python3-yaml python3-jsonschema
#                                   (`make test` asks for these: the fleet tests run sshd hosts in
#                                   network namespaces; `make demo` and `make venv` do not)
# Extra packages can be requested with EXTRA_DEB_PACKAGES="pkg1 pkg2" (installed when
# `dpkg -s` says they are missing).
set -euo pipefail

fleet=false
if [ "${1:-}" = --fleet ]; then
    fleet=true
    shift
fi
python=${1:-${PYTHON:-python3}}
missing=()
fleet_missing=()

have() { command -v "$1" >/dev/null 2>&1; }

have make || missing+=(make)
if ! have git || ! [ -x "$(git --exec-path 2>/dev/null)/git-daemon" ]; then
    missing+=(git)
fi
if have "$python"; then
    # Debian splits ensurepip off into python3-venv: try to make a real venv with pip.
    probe=$(mktemp -d)
    if ! "$python" -m venv "$probe/v" >/dev/null 2>&1; then
        missing+=(python3-venv)
    fi
    rm -rf "$probe"
fi
# The verified-pins tests make signing keys and signed commits.
if $fleet; then
    { have gpg && have gpg-agent; } || missing+=(gnupg)
    have ssh-keygen || missing+=(openssh-client)
    have shellcheck || missing+=(shellcheck)
fi
# Fleet tests (tests/integration/test_fleet*.py) run only as root: sshd inside network
# namespaces, and the Python libraries the modules import on the managed hosts' /usr/bin/python3.
if $fleet && [ "$(id -u)" = 0 ] && have dpkg; then
    for pkg in openssh-server iproute2 python3-yaml python3-jsonschema; do
        dpkg -s "$pkg" >/dev/null 2>&1 || fleet_missing+=("$pkg")
    done
fi
for pkg in ${EXTRA_DEB_PACKAGES:-}; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ] && [ ${#fleet_missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" != 0 ] || ! have apt-get; then
    echo "ensure-system-deps: missing ${missing[*]}; install them (not root or no apt-get, so not installing)" >&2
    exit 1
fi

if [ ${#missing[@]} -gt 0 ]; then
    echo "ensure-system-deps: installing ${missing[*]}" >&2
fi
if [ ${#fleet_missing[@]} -gt 0 ]; then
    echo "ensure-system-deps: installing ${fleet_missing[*]} for the fleet tests only (sshd hosts in network namespaces, with their own Python libraries)" >&2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" "${fleet_missing[@]}" >/dev/null

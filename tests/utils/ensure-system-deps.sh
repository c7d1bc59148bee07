#!/usr/bin/env bash
# Install the Debian packages the test suite uses, but only the missing ones, and
# only when running as root on a Debian-like system. Safe to run repeatedly.
#
#   tests/utils/ensure-system-deps.sh [python]
#
# What is checked (command or capability -> Debian package):
#   make                         -> make         (the test runner itself)
#   git, git daemon              -> git          (registry fixtures, atk, modules)
#   <python> -m venv / ensurepip -> python3-venv (the .venv/ and .venv-atk/ virtualenvs)
#   gpg, gpg-agent               -> gnupg        (verified pins: OpenPGP-signed commits made in the tests)
#   ssh-keygen                   -> openssh-client (verified pins: SSH-signed commits made in the tests)
#   as root only (fleet tests)   -> openssh-server iproute2 python3-yaml python3-jsonschema
# Extra packages can be requested with EXTRA_DEB_PACKAGES="pkg1 pkg2" (installed when
# `dpkg -s` says they are missing), e.g. openssh-server iproute2 for fleet tests.
set -euo pipefail

python=${1:-${PYTHON:-python3}}
missing=()

have() { command -v "$1" >/dev/null 2>&1; }

have make || missing+=(make)
if ! have git || ! [ -x "$(git --exec-path 2>/dev/null)/git-daemon" ]; then
    missing+=(git)
fi
have gpg && have gpg-agent || missing+=(gnupg)
have ssh-keygen || missing+=(openssh-client)
if have "$python"; then
    # Debian splits ensurepip off into python3-venv: try to make a real venv with pip.
    probe=$(mktemp -d)
    if ! "$python" -m venv "$probe/v" >/dev/null 2>&1; then
        missing+=(python3-venv)
    fi
    rm -rf "$probe"
fi
# Fleet tests (tests/integration/test_fleet*.py) run only as root: sshd inside network
# namespaces, and the Python libraries the modules import on the managed hosts' /usr/bin/python3.
if [ "$(id -u)" = 0 ] && have dpkg; then
    for pkg in openssh-server iproute2 python3-yaml python3-jsonschema; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
fi
for pkg in ${EXTRA_DEB_PACKAGES:-}; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" != 0 ] || ! have apt-get; then
    echo "ensure-system-deps: missing ${missing[*]}; install them (not root or no apt-get, so not installing)" >&2
    exit 1
fi

echo "ensure-system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

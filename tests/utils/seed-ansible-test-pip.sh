#!/usr/bin/env bash
# Offline work-around for ansible-test's pip bootstrap (ansible/ansible#77304).
#
#   tests/utils/seed-ansible-test-pip.sh <python of the venv that has ansible-core>
#
# `ansible-test ... --venv` bootstraps pip in every new virtualenv by running
# ~/.ansible/test/cache/get_pip_<ver>.py, which it downloads from a host that is not
# reachable from CI. The pip version is pinned inside ansible-test; read it from the
# installed ansible-test, download that pip wheel from PyPI into the cache, and write
# a small get_pip_<ver>.py that installs the wheel with pip's own main(). Idempotent.
set -euo pipefail

python=${1:?usage: $0 <python>}
req_py=$("$python" -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py"))')
# get_venv_packages() contains: default_packages = dict(pip='24.2', ...)
version=$(sed -n "s/^[[:space:]]*pip='\([0-9][0-9.]*\)',\{0,1\}[[:space:]]*$/\1/p" "$req_py" | head -n1)
if [ -z "$version" ]; then
    echo "seed-ansible-test-pip: cannot find the pinned pip version in $req_py" >&2
    exit 1
fi

cache=${ANSIBLE_TEST_CACHE_DIR:-$HOME/.ansible/test/cache}
wheel="$cache/pip-$version-py3-none-any.whl"
shim="$cache/get_pip_${version//./_}.py"
mkdir -p "$cache"

if [ ! -s "$wheel" ]; then
    "$python" -m pip download --quiet --no-deps --only-binary=:all: "pip==$version" -d "$cache"
fi

cat > "$shim.tmp" <<EOF
"""Offline stand-in for get-pip.py $version, written by atk.core tests/utils/seed-ansible-test-pip.sh."""
import os
import sys

WHEEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'pip-$version-py3-none-any.whl')


def main():
    sys.path.insert(0, WHEEL)
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel
    args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel') and not arg.startswith('pip==')]
    return pip_main(['install', WHEEL] + args)


if __name__ == '__main__':
    sys.exit(main())
EOF
mv "$shim.tmp" "$shim"
echo "seed-ansible-test-pip: pip $version wheel and $(basename "$shim") ready in $cache"

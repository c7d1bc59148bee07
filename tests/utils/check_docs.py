"""Render the documentation of every module of the installed atk.core collection.

    check_docs.py --collections-path DIR [--source REPO]

For each ``plugins/modules/*.py`` of the source tree, runs ``ansible-doc`` (from PATH) against
the collection installed under DIR, both as JSON (checks that a ``doc`` with a
``short_description`` came back, plus ``examples`` and ``return`` sections) and as text (checks
that it renders). Any ansible-doc error or warning fails the check. Exit 0 when all modules
render (or when there are none), 1 otherwise.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys

FQCN_PREFIX = 'atk.core.'


def run_doc(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run ansible-doc with the given arguments."""
    return subprocess.run(['ansible-doc'] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--collections-path', required=True)
    parser.add_argument('--source', default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    args = parser.parse_args(argv)

    modules = sorted(
        os.path.splitext(os.path.basename(p))[0]
        for p in glob.glob(os.path.join(args.source, 'plugins', 'modules', '*.py'))
        if not os.path.basename(p).startswith('__')
    )
    if not modules:
        print('check_docs: no modules in plugins/modules, nothing to render')
        return 0

    env = dict(os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=os.path.abspath(args.collections_path), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false', ANSIBLE_NOCOLOR='1')
    failures = []
    for module in modules:
        fqcn = FQCN_PREFIX + module
        problems = []
        res = run_doc(['-t', 'module', '--json', fqcn], env)
        if res.returncode != 0:
            problems.append('ansible-doc --json exited %d' % res.returncode)
        if '[WARNING]' in res.stderr or '[ERROR]' in res.stderr or 'ERROR!' in res.stderr:
            problems.append('ansible-doc --json complained: %s' % res.stderr.strip())
        try:
            data = json.loads(res.stdout or '{}').get(fqcn) or {}
        except ValueError as exc:
            data = {}
            problems.append('ansible-doc --json printed invalid JSON: %s' % exc)
        doc = data.get('doc') or {}
        if not doc.get('short_description'):
            problems.append('no DOCUMENTATION (short_description) rendered')
        if not data.get('examples'):
            problems.append('no EXAMPLES rendered')
        if 'return' not in data:
            problems.append('no RETURN rendered')
        text = run_doc(['-t', 'module', fqcn], env)
        if text.returncode != 0 or not text.stdout.strip():
            problems.append('text rendering failed (rc %d): %s' % (text.returncode, text.stderr.strip()))
        elif '[WARNING]' in text.stderr or '[ERROR]' in text.stderr:
            problems.append('text rendering complained: %s' % text.stderr.strip())
        if problems:
            failures.append(fqcn)
            print('check_docs: FAIL %s\n  - %s' % (fqcn, '\n  - '.join(problems)))
        else:
            print('check_docs: ok   %s (%s)' % (fqcn, doc['short_description']))
    if failures:
        print('check_docs: %d of %d module docs failed: %s' % (len(failures), len(modules), ', '.join(failures)))
        return 1
    print('check_docs: all %d module docs render' % len(modules))
    return 0


if __name__ == '__main__':
    sys.exit(main())

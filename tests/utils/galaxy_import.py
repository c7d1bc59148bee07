"""Run galaxy-importer (the check Ansible Galaxy runs on every upload) on a built collection tarball.

    galaxy_import.py TARBALL [--source REPO]

Runs ``python -m galaxy_importer.main TARBALL`` with the Python running this script (the
galaxy-importer virtualenv; its ``bin/`` must come first on PATH, for ansible-doc and
ansible-lint) in the current directory, where the importer writes ``importer_result.json``.
Configuration comes from ``$GALAXY_IMPORTER_CONFIG`` and ``GALAXY_IMPORTER_*`` variables.

Fails (exit 1) when the importer exits non-zero, prints any ``WARNING:`` or ``ERROR:`` line
(ansible-lint findings are printed as warnings), writes no result, or when the result lacks
something Galaxy shows: a readme for every role, documentation for every module of the source
tree, the ``requires_ansible`` of ``meta/runtime.yml``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys

import yaml


def problems_in_result(result: dict, source: str) -> list[str]:
    """What the import result lacks, compared with the source tree."""
    problems = []
    contents = result.get('docs_blob', {}).get('contents', [])
    roles = sorted(os.path.basename(p) for p in glob.glob(os.path.join(source, 'roles', '*')) if os.path.isdir(p))
    found_roles = {c['content_name']: c for c in contents if c.get('content_type') == 'role'}
    for role in roles:
        if role not in found_roles:
            problems.append('role %s is not in the import result' % role)
        elif not (found_roles[role].get('readme_html') or '').strip():
            problems.append('role %s has no readme in the import result' % role)
    modules = sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(source, 'plugins', 'modules', '*.py'))
                     if not os.path.basename(p).startswith('__'))
    found_modules = {c['content_name']: c for c in contents if c.get('content_type') == 'module'}
    for module in modules:
        doc = (found_modules.get(module) or {}).get('doc_strings') or {}
        if not (doc.get('doc') or {}).get('short_description'):
            problems.append('module %s has no documentation in the import result' % module)
    with open(os.path.join(source, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        claimed = (yaml.safe_load(handle) or {}).get('requires_ansible')
    if result.get('requires_ansible') != claimed:
        problems.append('requires_ansible is %r in the import result, %r in meta/runtime.yml' % (result.get('requires_ansible'), claimed))
    if not (result.get('docs_blob', {}).get('collection_readme') or {}).get('html'):
        problems.append('the collection README is missing from the import result')
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('tarball')
    parser.add_argument('--source', default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    args = parser.parse_args(argv)

    proc = subprocess.run([sys.executable, '-m', 'galaxy_importer.main', args.tarball], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False)
    complaints = []
    for line in proc.stdout.splitlines():
        if line.startswith(('Loading ', 'Importing with', 'Getting doc strings', 'Finding content')):
            continue  # one line per plugin: noise
        print('  ' + line)
        if line.startswith(('WARNING:', 'ERROR:', 'CRITICAL:')) or 'Traceback (most recent call last)' in line:
            complaints.append(line)
    if proc.returncode != 0:
        complaints.append('galaxy-importer exited %d' % proc.returncode)
    if os.path.exists('importer_result.json'):
        with open('importer_result.json', encoding='utf-8') as handle:
            complaints.extend(problems_in_result(json.load(handle), args.source))
    else:
        complaints.append('galaxy-importer wrote no importer_result.json')
    if complaints:
        print('galaxy-importer: the import would fail or warn on Galaxy:')
        for complaint in complaints:
            print('  - ' + complaint)
        return 1
    print('galaxy-importer: %s imports cleanly (no error, no warning)' % os.path.basename(args.tarball))
    return 0


if __name__ == '__main__':
    sys.exit(main())

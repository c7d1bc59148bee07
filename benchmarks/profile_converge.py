# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profile one converge without Ansible: ``_converge.converge`` (atk_converge's and the role's one call:
the home, every plugin, the push) called directly, or ``_converge.converge_plugins`` (atk_plugin's)
with ``--plugins-only``.

    .venv/bin/python benchmarks/profile_converge.py --home H [--cache C] [--state present|latest]
        [--check] [--items FILE.json] [--env VAR=value ...] [--gitconfig F] [--collections DIR]
        [--plugins-only] [--no-profile] [--sort cumulative|tottime] [--top 30]

Prints the time the imports took (the collection's module_utils compiled from source, as Ansible's
collection loader and AnsiballZ do), wall and CPU time of the converge (this process and its
children), every git subprocess the converge ran
through its runner, grouped by sub-command with count and seconds (lifecycle commands run detached
by _lifecycle and are not in that table), and the cProfile top functions. ``--gitconfig`` sets
GIT_CONFIG_GLOBAL (the registry insteadOf redirect of a bench env); ``--collections`` imports the
collection from another layout (e.g. a copy with a change reverted, for before/after numbers).
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / 'tests' / 'integration'))

from harness import collections_root  # noqa: E402  pylint: disable=wrong-import-position


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--home', required=True)
    parser.add_argument('--cache')
    parser.add_argument('--state', default='present', choices=['present', 'latest'])
    parser.add_argument('--check', action='store_true')
    parser.add_argument('--no-lifecycle', action='store_true')
    parser.add_argument('--env', action='append', default=[], help='VAR=value for the converge environment')
    parser.add_argument('--gitconfig')
    parser.add_argument('--items', help='JSON file with a list of atk_plugin items (the plugins option); '
                                        'default: every plugin of the manifest (all: true)')
    parser.add_argument('--sort', default='cumulative')
    parser.add_argument('--top', type=int, default=35)
    parser.add_argument('--no-profile', action='store_true', help='time only (cProfile slows pure-Python code 2-3x)')
    parser.add_argument('--plugins-only', action='store_true', help="atk_plugin's converge_plugins instead of atk_converge's converge")
    parser.add_argument('--collections',
                        help='ANSIBLE_COLLECTIONS_PATH-style root to import the collection from (default: the synced layout)')
    args = parser.parse_args()

    sys.path.insert(0, args.collections or str(collections_root(sync=True)))
    sys.dont_write_bytecode = True
    started = time.perf_counter()
    # pylint: disable=import-outside-toplevel
    from ansible_collections.atk.core.plugins.module_utils import _converge, _proc
    imports = time.perf_counter() - started
    print('imports: %.3f s (module_utils %s)' % (imports, 'from .pyc where present' if any(
        Path(p).name == '__pycache__' for p in Path(_converge.__file__).parent.iterdir()) else 'compiled from source'))

    for item in args.env:
        key, _sep, value = item.partition('=')
        os.environ[key] = value
    if args.gitconfig:
        os.environ['GIT_CONFIG_GLOBAL'] = args.gitconfig
        os.environ['GIT_CONFIG_NOSYSTEM'] = '1'
    if args.cache:
        os.environ['XDG_CACHE_HOME'] = args.cache

    calls = defaultdict(lambda: [0, 0.0])

    def run(argv, cwd=None, env_update=None, data=None):
        start = time.perf_counter()
        result = _proc.subprocess_runner(argv, cwd=cwd, env_update=env_update, data=data)
        argv = list(argv)
        if os.path.basename(argv[0]) == 'git':
            # the first word that is neither an option nor the value of "-c key=value"
            rest = argv[1:]
            sub = '?'
            i = 0
            while i < len(rest):
                if rest[i] == '-c':
                    i += 2
                    continue
                if rest[i].startswith('-'):
                    i += 1
                    continue
                sub = rest[i]
                break
            key = 'git ' + sub
        else:
            key = ' '.join(argv[:2])[:60]
        calls[key][0] += 1
        calls[key][1] += time.perf_counter() - start
        return result

    def cpu():
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    profiler = cProfile.Profile()
    cpu_start = cpu()
    start = time.perf_counter()
    if not args.no_profile:
        profiler.enable()
    items = json.loads(Path(args.items).read_text(encoding='utf-8')) if args.items else []
    if args.plugins_only:
        result = _converge.converge_plugins(run=run, git_path='git', home=args.home, items=items, default_state=args.state,
                                            all_plugins=not args.items, lifecycle=not args.no_lifecycle, check_mode=args.check,
                                            want_diff=args.check)
    else:
        result = _converge.converge(run, 'git', home=args.home, items=items, default_state=args.state, all_plugins=not args.items,
                                    lifecycle=not args.no_lifecycle, check_mode=args.check, want_diff=args.check,
                                    environ=dict(os.environ))
    profiler.disable()
    wall = time.perf_counter() - start
    cpu_used = cpu() - cpu_start
    print('converge: %.3f s wall, %.3f s cpu; changed %d, unchanged %d, network %s, errors %s' % (
        wall, cpu_used, len(result['changed_plugins']), len(result['unchanged_plugins']), result['network']['contacts'], result['errors']))
    print('\nsubprocesses (count, total s):')
    total = 0.0
    for key, (count, seconds) in sorted(calls.items(), key=lambda kv: -kv[1][1]):
        total += seconds
        print('  %-40s %5d  %7.3f' % (key, count, seconds))
    print('  %-40s %5d  %7.3f  (%.0f%% of wall)' % ('all', sum(c for c, _s in calls.values()), total, 100 * total / wall))
    if not args.no_profile:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == '__main__':
    sys.exit(main())

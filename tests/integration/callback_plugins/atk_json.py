# -*- coding: utf-8 -*-
# Copyright: atk.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stdout callback used by the atk.core integration test harness."""

from __future__ import annotations

DOCUMENTATION = r"""
name: atk_json
type: stdout
short_description: One JSON document with every task result, for the atk.core test harness
version_added: historical
description:
  - Prints a short human-readable line per task result while the playbook runs, then, when the
    playbook ends, a single line holding one JSON document with every task result per host
    and the per-host statistics (C(stats.summarize(host))).
  - The document is the last line of standard output that starts with C({"atk_json":).
  - Meant for the integration test harness of the atk.core collection (C(tests/integration/harness)),
    which sets E(ANSIBLE_CALLBACK_PLUGINS) to this folder and E(ANSIBLE_STDOUT_CALLBACK=atk_json).
  - Results are the callback copies Ansible hands to every stdout callback, so C(no_log) results
    are already censored; internal C(_ansible_*) keys are dropped, everything else is kept
    (including C(diff), C(warnings) and C(invocation)).
author:
  - atk.core contributors
requirements:
  - ansible-core 2.19 or later
"""

import json

from ansible.plugins.callback import CallbackBase
from ansible.vars.clean import strip_internal_keys

FORMAT_VERSION = 1


def _result_data(result):
    data = result.result if hasattr(result, 'result') else result._result  # pylint: disable=protected-access
    return strip_internal_keys(dict(data))


def _host_name(result):
    host = result.host if hasattr(result, 'host') else result._host  # pylint: disable=protected-access
    return host.get_name()


def _task(result):
    return result.task if hasattr(result, 'task') else result._task  # pylint: disable=protected-access


class CallbackModule(CallbackBase):
    """Collect every task result and print them as one JSON document at the end."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'atk_json'

    def __init__(self, display=None):
        super().__init__(display=display)
        self._play = None
        self._plays = []
        self._results = []

    def _record(self, status, result, **extra):
        task = _task(result)
        entry = {
            'play': self._play,
            'task': task.get_name(),
            'action': task.action,
            'host': _host_name(result),
            'status': status,
            'handler': type(task).__name__ == 'Handler',
            'result': _result_data(result),
        }
        entry.update(extra)
        self._results.append(entry)
        changed = ' changed' if entry['result'].get('changed') else ''
        msg = entry['result'].get('msg') if status in ('failed', 'unreachable') else None
        self._display.display('atk_json: %s%s: [%s] %s%s' % (status, changed, entry['host'], entry['task'], (' => %s' % msg) if msg else ''))

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()
        self._plays.append(self._play)

    def v2_runner_on_ok(self, result):
        self._record('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record('failed', result, ignore_errors=ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._record('skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._record('unreachable', result)

    def v2_playbook_on_stats(self, stats):
        document = {
            'atk_json': FORMAT_VERSION,
            'plays': self._plays,
            'results': self._results,
            'stats': {host: stats.summarize(host) for host in sorted(stats.processed)},
        }
        self._display.display(json.dumps(document, sort_keys=True, default=str, ensure_ascii=False))

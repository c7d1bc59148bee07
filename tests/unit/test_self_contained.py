# -*- coding: utf-8 -*-
# Copyright (c) 2026 atk.core maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The repository stands on its own: no file reads or names a folder beside the checkout.

Tests, scripts, benchmarks and docs once read a registry snapshot and a reference document from
a folder next to the checkout that exists on one machine only; a fresh clone anywhere else failed. The
snapshot is vendored in ``tests/fixtures/atk-registry`` and the reference is
``docs/atk-compatibility.md`` now. This test scans every file of the collection (tracked or
untracked-but-not-ignored, as ``make collection`` mirrors them) for paths that lead outside.
``.ci/run`` proves the same by running ``make test`` from a clone with nothing beside it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import os
import re
import sys

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Built from pieces so that this file does not match itself.
SHARED = "sha" + "red"
FORBIDDEN = [
    ("a folder beside the checkout", re.compile(r"\.\./" + SHARED + r"\b")),
    ("a folder beside the checkout", re.compile(SHARED + r"/(fixtures|docs|hooks)\b")),
    ("a path of one machine", re.compile(r"(^|[\s\"'`(\[=:,])/wo" + r"rk/")),
    ("the old reference outside the repository", re.compile(r"atk-cli-0\.4\.0-con" + r"tract")),
]


def _files():
    sys.path.insert(0, os.path.join(COLLECTION_ROOT, "tests", "utils"))
    try:
        import collection_layout  # pylint: disable=import-outside-toplevel
    finally:
        sys.path.pop(0)
    return collection_layout.source_files(COLLECTION_ROOT)


def test_no_file_reaches_outside_the_repository():
    files = _files()
    assert "tests/fixtures/atk-registry/index.yaml" in files
    assert "docs/atk-compatibility.md" in files
    hits = []
    for rel in files:
        path = os.path.join(COLLECTION_ROOT, rel)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
        for number, line in enumerate(text.splitlines(), 1):
            for what, pattern in FORBIDDEN:
                if pattern.search(line):
                    hits.append("%s:%d: %s: %s" % (rel, number, what, line.strip()[:120]))
    assert hits == [], "\n".join(hits)

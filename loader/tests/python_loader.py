#!/usr/bin/env python3
"""Print what Python taskgraph's own loaders yield, as tg-load's JSON lines.

Usage: python_loader.py ROOT KIND...

For each KIND, in the order given, reads ROOT/kinds/KIND/kind.yml with taskgraph's load_yaml,
resolves its `loader:` (absent: taskgraph.loader.default:loader) with taskgraph's find_object,
calls it as taskgraph's generator does, and prints one line per item:
{"kind": KIND, "name": item["name"], "item": item}.

The default loader only appends two transforms to the kind's config before calling the transform
loader, so calling it yields exactly the transform loader's items (and keeps its KeyError check).
Parameters are not read: neither built-in loader uses them.

The reference used by loader/tests/it/python_compare.rs, and the command that produced the fixture
loader/tests/fixtures/*/expected.jsonl.
"""

import json
import os
import sys

from taskgraph.util.python_path import find_object
from taskgraph.util.yaml import load_yaml

DEFAULT_LOADER = "taskgraph.loader.default:loader"


def load_kind(root, kind):
    path = os.path.join(root, "kinds", kind)
    config = load_yaml(path, "kind.yml")
    loader = find_object(config.get("loader", DEFAULT_LOADER))
    for item in loader(kind, path, config, {}, [], write_artifacts=False):
        yield {"kind": kind, "name": item["name"], "item": item}


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    root, kinds = argv[0], argv[1:]
    out = sys.stdout
    for kind in kinds:
        for record in load_kind(root, kind):
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

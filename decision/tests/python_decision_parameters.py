"""Python taskgraph 24.5.1's decision parameters for the given `taskgraph decision` flags.

Run from the checkout root, as `taskgraph decision` is: parses the flags with taskgraph's own
argument parser, loads and registers the graph config as the generator does, then prints
`get_decision_parameters(graph_config, options)` as JSON. The reference for tg-params.
"""
import json
import sys

from taskgraph.config import load_graph_config
from taskgraph.decision import get_decision_parameters
from taskgraph.main import create_parser

args = create_parser().parse_args(["decision", *sys.argv[1:]])
options = vars(args)
graph_config = load_graph_config(options.get("root") or "taskcluster")
graph_config.register()
parameters = get_decision_parameters(graph_config, options)
print(json.dumps(dict(parameters), sort_keys=True))

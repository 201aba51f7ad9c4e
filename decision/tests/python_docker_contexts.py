"""Python taskgraph 24.5.1's docker-context tarballs, as its decision task writes them.

Run from a checkout root: builds the full task graph of ROOT's docker-image kind (and what it
depends on) with `write_artifacts=True`, which makes the docker_image transform write
`docker-contexts/<image>.tar.gz` in the working directory.
"""
import sys

from taskgraph.generator import TaskGraphGenerator
from taskgraph.parameters import parameters_loader

root, params = sys.argv[1], sys.argv[2]
parameters = parameters_loader(params, strict=False, overrides={"target-kinds": ["docker-image"]})
TaskGraphGenerator(root_dir=root, parameters=parameters, write_artifacts=True).full_task_graph

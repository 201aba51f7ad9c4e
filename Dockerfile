# A decision image for repositories that switched to tg: the tg-* binaries (from
# `cargo xtask dist`), git and Mercurial for the checkout, and Python with taskgraph 24.5.1 for
# project code (the bridge). Build it from the repository root after `cargo xtask dist`:
#
#   cargo xtask dist && docker build -t tg-decision --build-arg DIST=target/dist/tg-0.1.0-x86_64-linux.tar.gz .
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git mercurial python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*

# Project code runs in this venv (tg finds it through VIRTUAL_ENV / TG_PYTHON).
RUN python3 -m venv /opt/taskgraph \
 && /opt/taskgraph/bin/pip install --no-cache-dir taskcluster-taskgraph==24.5.1
ENV VIRTUAL_ENV=/opt/taskgraph TG_PYTHON=/opt/taskgraph/bin/python PATH=/opt/taskgraph/bin:$PATH

ARG DIST
ADD ${DIST} /opt/
RUN ln -s /opt/tg-*/bin/tg-* /usr/local/bin/

# run-task and fetch-content, as taskgraph ships them (the .taskcluster.yml command runs run-task).
COPY transform/assets/run-task/run-task transform/assets/run-task/fetch-content /usr/local/bin/
COPY transform/assets/run-task/robustcheckout.py /usr/local/mercurial/robustcheckout.py
COPY transform/assets/run-task/hgrc /etc/mercurial/hgrc.d/mozilla.rc

RUN useradd -m -d /builds/worker -s /bin/bash worker
USER worker
WORKDIR /builds/worker

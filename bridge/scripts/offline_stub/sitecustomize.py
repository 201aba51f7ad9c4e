# Offline stub for the real-world runs (as the references were made): Docker Hub digest
# look-ups answer a fixed all-zero digest; index/status look-ups find nothing.
try:
    import requests as _rq
    class _R:
        def json(self):
            return {"digest": "sha256:" + "0" * 64}
    _real_get = _rq.get
    def _get(url, *a, **kw):
        if "hub.docker.com" in str(url):
            return _R()
        return _real_get(url, *a, **kw)
    _rq.get = _get
except ImportError:
    pass
try:
    import taskgraph.util.taskcluster as _tc
    _tc.find_task_id_batched = lambda index_paths, *a, **kw: {}
    _tc.status_task_batched = lambda task_ids, *a, **kw: {}
except ImportError:
    pass

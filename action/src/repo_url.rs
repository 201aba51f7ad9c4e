//! A repository URL's Taskcluster role prefix, `repo:<host>/<path>` (what
//! `mozilla_repo_urls.parse(url).taskcluster_role_prefix` gives for the URLs decision tasks
//! use): `https://github.com/o/r`, `https://github.com/o/r.git`, `git@github.com:o/r.git`,
//! `ssh://hg.mozilla.org/releases/mozilla-beta`.

use tg_core::error::bad_input;

/// `repo:<host>/<path>` for a repository URL.
pub fn taskcluster_role_prefix(url: &str) -> anyhow::Result<String> {
    let text = url.trim();
    let (host, path) = if let Some((_, rest)) = text.split_once("://") {
        let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        (authority.split(':').next().unwrap_or_default(), path)
    } else if let Some((user_host, path)) = text.split_once(':') {
        (user_host.rsplit_once('@').map_or(user_host, |(_, h)| h), path)
    } else {
        ("", "")
    };
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    if host.is_empty() || path.is_empty() {
        return Err(bad_input(format!(
            "cannot read repository URL {url:?} (expected https://HOST/PATH or git@HOST:PATH)"
        )));
    }
    Ok(format!("repo:{}/{path}", host.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values printed by mozilla_repo_urls 0.1 (`parse(url).taskcluster_role_prefix`).
    #[test]
    fn matches_mozilla_repo_urls() {
        let cases = [
            ("https://github.com/example/widget", "repo:github.com/example/widget"),
            ("https://hg.mozilla.org/mozilla-central", "repo:hg.mozilla.org/mozilla-central"),
            ("https://hg.mozilla.org/releases/mozilla-beta", "repo:hg.mozilla.org/releases/mozilla-beta"),
            ("git@github.com:example/widget.git", "repo:github.com/example/widget"),
            ("https://github.com/Example/Widget.git", "repo:github.com/Example/Widget"),
        ];
        for (url, want) in cases {
            assert_eq!(taskcluster_role_prefix(url).unwrap(), want, "{url}");
        }
        assert!(taskcluster_role_prefix("widget").is_err());
    }
}

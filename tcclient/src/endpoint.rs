//! Where API calls go and with which credentials: [`Endpoint`] and [`Config`], read from the
//! `TASKCLUSTER_*` variables.

use crate::retry::{RetryPolicy, Timeouts};
use serde_json::Value;
use std::fmt;
use tg_core::error::usage;

/// Taskcluster client credentials. `Debug` prints the client id only.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub access_token: String,
    /// Temporary credentials' certificate, as the JSON text Taskcluster hands out.
    pub certificate: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("access_token", &"<redacted>")
            .field("certificate", &self.certificate.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Where API calls go and how they are authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A taskcluster-proxy: no authentication from us.
    Proxy { url: String },
    /// A Taskcluster deployment's root URL, with Hawk credentials when given.
    Root { url: String, credentials: Option<Credentials> },
}

impl Endpoint {
    /// The base URL (no trailing slash).
    pub fn base_url(&self) -> &str {
        match self {
            Endpoint::Proxy { url } | Endpoint::Root { url, .. } => url,
        }
    }

    /// The credentials used to sign requests, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        match self {
            Endpoint::Proxy { .. } => None,
            Endpoint::Root { credentials, .. } => credentials.as_ref(),
        }
    }

    /// Read the endpoint from `TASKCLUSTER_*` variables through `var`; `Ok(None)` when neither
    /// a proxy nor a root URL is configured. Half-given credentials are a usage error.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<Endpoint>> {
        let non_empty = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        if let Some(proxy) = non_empty("TASKCLUSTER_PROXY_URL") {
            return Ok(Some(Endpoint::Proxy { url: normalize_root_url(&proxy) }));
        }
        let Some(root) = non_empty("TASKCLUSTER_ROOT_URL") else { return Ok(None) };
        let client_id = non_empty("TASKCLUSTER_CLIENT_ID");
        let access_token = non_empty("TASKCLUSTER_ACCESS_TOKEN");
        let credentials = credentials_of(client_id, access_token, non_empty("TASKCLUSTER_CERTIFICATE"))?;
        Ok(Some(Endpoint::Root { url: normalize_root_url(&root), credentials }))
    }

    /// URL of `<service>/v1/<path>` (`path` with or without a leading `/`).
    pub fn api_url(&self, service: &str, path: &str) -> String {
        format!("{}/api/{service}/v1/{}", self.base_url(), path.trim_start_matches('/'))
    }
}

/// Credentials from the client id, access token and certificate variables: both or neither.
fn credentials_of(
    client_id: Option<String>,
    access_token: Option<String>,
    certificate: Option<String>,
) -> anyhow::Result<Option<Credentials>> {
    match (client_id, access_token) {
        (Some(client_id), Some(access_token)) => {
            if let Some(cert) = &certificate {
                serde_json::from_str::<Value>(cert)
                    .map_err(|e| usage(format!("TASKCLUSTER_CERTIFICATE is not valid JSON: {e}")))?;
            }
            Ok(Some(Credentials { client_id, access_token, certificate }))
        }
        (None, None) => Ok(None),
        (Some(_), None) => Err(usage("TASKCLUSTER_CLIENT_ID is set but TASKCLUSTER_ACCESS_TOKEN is not")),
        (None, Some(_)) => Err(usage("TASKCLUSTER_ACCESS_TOKEN is set but TASKCLUSTER_CLIENT_ID is not")),
    }
}

/// Strip trailing slashes, as `taskcluster_urls.normalize_root_url` does.
pub fn normalize_root_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_string()
}

/// Client settings; [`Config::from_env`] reads the endpoint, the rest has defaults.
#[derive(Clone, Debug)]
pub struct Config {
    pub endpoint: Endpoint,
    pub retry: RetryPolicy,
    pub timeouts: Timeouts,
    /// Connections kept open per host (set it to the caller's concurrency).
    pub max_idle_connections: usize,
}

impl Config {
    /// A config for `endpoint` with default retries and timeouts.
    pub fn new(endpoint: Endpoint) -> Config {
        Config { endpoint, retry: RetryPolicy::default(), timeouts: Timeouts::default(), max_idle_connections: 50 }
    }

    /// Read the endpoint from the process environment; `Ok(None)` when Taskcluster is not
    /// configured.
    pub fn from_env() -> anyhow::Result<Option<Config>> {
        Ok(Endpoint::from_vars(|name| std::env::var(name).ok())?.map(Config::new))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn endpoint_from_vars() {
        assert_eq!(Endpoint::from_vars(vars(&[])).unwrap(), None);
        let proxy = Endpoint::from_vars(vars(&[
            ("TASKCLUSTER_PROXY_URL", "http://taskcluster/"),
            ("TASKCLUSTER_ROOT_URL", "https://x"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(proxy.api_url("queue", "task/abc"), "http://taskcluster/api/queue/v1/task/abc");
        assert!(proxy.credentials().is_none());
        let root = Endpoint::from_vars(vars(&[
            ("TASKCLUSTER_ROOT_URL", "https://tc.example.com"),
            ("TASKCLUSTER_CLIENT_ID", "me"),
            ("TASKCLUSTER_ACCESS_TOKEN", "tok"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(root.api_url("index", "/tasks/indexes"), "https://tc.example.com/api/index/v1/tasks/indexes");
        assert_eq!(root.credentials().unwrap().client_id, "me");
        let half = Endpoint::from_vars(vars(&[("TASKCLUSTER_ROOT_URL", "https://x"), ("TASKCLUSTER_CLIENT_ID", "me")]));
        assert_eq!(tg_core::error::exit_code_of(&half.unwrap_err()), 2);
        let bad_cert = Endpoint::from_vars(vars(&[
            ("TASKCLUSTER_ROOT_URL", "https://x"),
            ("TASKCLUSTER_CLIENT_ID", "me"),
            ("TASKCLUSTER_ACCESS_TOKEN", "tok"),
            ("TASKCLUSTER_CERTIFICATE", "{not json"),
        ]));
        assert_eq!(tg_core::error::exit_code_of(&bad_cert.unwrap_err()), 2);
    }
}

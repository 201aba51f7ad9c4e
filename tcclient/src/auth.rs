//! Hawk request signing, on the Taskcluster team's `hawk` crate: the `Authorization` header and
//! Taskcluster's `ext` (temporary credentials' certificate).

use crate::endpoint::Credentials;
use base64::Engine;
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What Hawk signs of a request.
pub struct HawkRequest<'a> {
    pub method: &'a str,
    pub url: &'a str,
    /// The exact body bytes; `None` hashes an empty payload with an empty content type, as
    /// Taskcluster's Python client does for a call without a body.
    pub payload: Option<&'a [u8]>,
    pub content_type: &'a str,
}

/// Taskcluster's Hawk `ext`: base64 of `{"certificate": ...}` (or `{}`), as its clients send.
pub fn hawk_ext(creds: &Credentials) -> Result<String, String> {
    let mut ext = serde_json::Map::new();
    if let Some(cert) = &creds.certificate {
        let parsed: Value = serde_json::from_str(cert).map_err(|e| format!("TASKCLUSTER_CERTIFICATE: {e}"))?;
        ext.insert("certificate".to_string(), parsed);
    }
    let json = serde_json::to_string(&Value::Object(ext)).map_err(|e| e.to_string())?;
    // Taskcluster's clients make the standard alphabet URL-safe but keep the padding.
    Ok(base64::engine::general_purpose::STANDARD.encode(json).replace('+', "-").replace('/', "_"))
}

/// The `Authorization` header (`Hawk id=..., ts=..., nonce=..., mac=..., ...`) for a request
/// signed at `ts` (Unix seconds) with `nonce`.
pub fn hawk_header(creds: &Credentials, req: &HawkRequest, ts: u64, nonce: &str, ext: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(req.url).map_err(|e| format!("bad URL {}: {e}", req.url))?;
    let key = hawk::Key::new(creds.access_token.as_bytes(), hawk::SHA256).map_err(|e| e.to_string())?;
    let hawk_creds = hawk::Credentials { id: creds.client_id.clone(), key };
    let content_type = if req.payload.is_some() { req.content_type } else { "" };
    let hash = hawk::PayloadHasher::hash(content_type, hawk::SHA256, req.payload.unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let method = req.method.to_ascii_uppercase();
    let mut builder = hawk::RequestBuilder::from_url(&method, &url).map_err(|e| e.to_string())?.hash(&hash[..]);
    if !ext.is_empty() {
        builder = builder.ext(ext);
    }
    let when = UNIX_EPOCH + Duration::from_secs(ts);
    let header = builder.request().make_header_full(&hawk_creds, when, nonce).map_err(|e| e.to_string())?;
    Ok(format!("Hawk {header}"))
}

/// The header for a request sent now, with a fresh random nonce.
pub(crate) fn hawk_header_now(
    creds: &Credentials,
    method: &str,
    url: &str,
    payload: Option<&[u8]>,
) -> Result<String, String> {
    let ts = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let nonce = random_nonce()?;
    let ext = hawk_ext(creds)?;
    let request = HawkRequest { method, url, payload, content_type: "application/json" };
    hawk_header(creds, &request, ts, &nonce, &ext)
}

/// A random Hawk nonce (8 URL-safe characters).
fn random_nonce() -> Result<String, String> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for a Hawk nonce: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn creds(cert: Option<&str>) -> Credentials {
        Credentials {
            client_id: "tester".into(),
            access_token: "secret-token".into(),
            certificate: cert.map(str::to_string),
        }
    }

    /// The attributes of a `Hawk k="v", ...` header, whatever their order.
    fn attributes(header: &str) -> BTreeMap<String, String> {
        let rest = header.strip_prefix("Hawk ").unwrap();
        rest.split(", ")
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_string(), v.trim_matches('"').to_string())
            })
            .collect()
    }

    /// Expected headers made with Python mohawk 1.1.0 (what the taskcluster client uses):
    /// `mohawk.Sender(credentials={"id":"tester","key":"secret-token","algorithm":"sha256"},
    ///  url=URL, method=M, content=C, content_type=CT, ext=EXT, _timestamp=1700000000,
    ///  nonce="abc123").request_header`. mohawk orders the attributes differently; a server
    /// reads them by name, so they are compared as a set.
    #[test]
    fn hawk_headers_match_mohawk() {
        let cases = [
            (
                "GET",
                "https://tc.example.com/api/index/v1/task/a.b.c?x=1",
                None,
                "",
                "Hawk mac=\"nRISzhep1KCcCUSMfE71kXt4W5Y6VVw/dpIrnDhjKfU=\", hash=\"B0weSUXsMcb5UhL41FZbrUJCAotzSI3HawE1NPLRUz8=\", id=\"tester\", ts=\"1700000000\", nonce=\"abc123\"",
            ),
            (
                "PUT",
                "http://127.0.0.1:8080/api/queue/v1/task/abc",
                Some(&b"{\"a\":1}"[..]),
                "e30=",
                "Hawk mac=\"QGc7Fev1NchVXWF72FuxD9Wp7kOMoTCeugtuQNMMMwI=\", hash=\"qKG2AtsqLMhIdy7+OrxWG0bU8wTDncYSW0gmNukAKpI=\", id=\"tester\", ts=\"1700000000\", nonce=\"abc123\", ext=\"e30=\"",
            ),
            (
                "POST",
                "https://tc.example.com:9443/api/queue/v1/tasks/status",
                Some(&b"{\"taskIds\":[]}"[..]),
                "eyJjZXJ0aWZpY2F0ZSI6eyJ4IjoxfX0=",
                "Hawk mac=\"8yBL/66v2/P15Yc0WpxlKAsCqoni54rLOY0bsbrFRwQ=\", hash=\"BXlSqXFf2pzV0cQ08xBVZ2kNcC+vnF5W64GgZLvrd14=\", id=\"tester\", ts=\"1700000000\", nonce=\"abc123\", ext=\"eyJjZXJ0aWZpY2F0ZSI6eyJ4IjoxfX0=\"",
            ),
        ];
        for (method, url, payload, ext, expected) in cases {
            let req = HawkRequest { method, url, payload, content_type: "application/json" };
            let got = hawk_header(&creds(None), &req, 1700000000, "abc123", ext).unwrap();
            assert_eq!(attributes(&got), attributes(expected), "{method} {url}");
        }
    }

    #[test]
    fn ext_is_taskclusters_base64_json() {
        assert_eq!(hawk_ext(&creds(None)).unwrap(), "e30=");
        assert_eq!(hawk_ext(&creds(Some("{\"x\": 1}"))).unwrap(), "eyJjZXJ0aWZpY2F0ZSI6eyJ4IjoxfX0=");
    }
}

//! Taskcluster slugids (taskIds): the "nice" v4 form, from random or given bytes.

use base64::Engine;

/// A new random slugid in the "nice" form (first character `A`-`f`), as `slugid.nice()`.
pub fn slugid_nice() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| crate::error::usage(format!("no randomness for a taskId: {e}")))?;
    Ok(slugid_from_bytes(bytes))
}

/// The nice slugid of 16 random bytes: a v4 UUID with the top bit cleared, base64url, no padding.
pub fn slugid_from_bytes(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes[0] &= 0x7f;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugids_are_nice_v4() {
        let s = slugid_from_bytes([0xff; 16]);
        assert_eq!(s.len(), 22);
        assert!(s.as_bytes()[0] <= b'f' && s.as_bytes()[0] != b'-', "{s}");
        let r = slugid_nice().unwrap();
        assert_eq!(r.len(), 22);
        // tc-fake's (and the queue's) pattern for v4 slugids.
        let re =
            regex::Regex::new("^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$").unwrap();
        assert!(re.is_match(&r) && re.is_match(&s), "{r} {s}");
    }
}

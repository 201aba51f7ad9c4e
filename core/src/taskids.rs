//! TaskIds and the label -> taskId map. New taskIds are "nice" v4 slugids (Python `slugid.nice()`: a random v4 UUID with its first bit
//! cleared, so the id starts with `A`-`f`, in URL-safe base64 without padding, 22 characters).
//!
//! Production ids come from the operating system's randomness. With a seed, ids come from a
//! SplitMix64 stream instead, so that the same input and seed give the same bytes out.
//! `label-to-taskid.json` is written as taskgraph writes it ([`label_to_task_id_json`]).

use crate::slugid::slugid_from_bytes;
use std::collections::BTreeMap;

/// A source of taskIds.
#[derive(Debug, Clone)]
pub struct TaskIdGenerator {
    seeded: Option<SplitMix64>,
}

impl TaskIdGenerator {
    /// Random ids from the operating system.
    pub fn random() -> Self {
        TaskIdGenerator { seeded: None }
    }

    /// Deterministic ids: the same seed gives the same sequence.
    pub fn seeded(seed: u64) -> Self {
        TaskIdGenerator { seeded: Some(SplitMix64(seed)) }
    }

    /// The next taskId.
    pub fn next_id(&mut self) -> anyhow::Result<String> {
        match &mut self.seeded {
            None => crate::slugid::slugid_nice(),
            Some(rng) => {
                let mut bytes = [0u8; 16];
                bytes[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
                bytes[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
                Ok(slugid_from_bytes(bytes))
            }
        }
    }
}

/// Sebastiano Vigna's SplitMix64: small, fast, and fine for test ids (not for secrets).
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `label-to-taskid.json` as the decision task writes it (`json.dump(sort_keys=True, indent=2)`).
pub fn label_to_task_id_json(map: &BTreeMap<String, String>) -> anyhow::Result<String> {
    Ok(ascii_json(&serde_json::to_string_pretty(map)?))
}

/// Python's `ensure_ascii`: non-ASCII characters as `\uXXXX` escapes.
pub fn ascii_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_ids_are_stable_nice_and_distinct() {
        let a: Vec<String> = {
            let mut g = TaskIdGenerator::seeded(7);
            (0..100).map(|_| g.next_id().unwrap()).collect()
        };
        let mut g = TaskIdGenerator::seeded(7);
        assert_eq!(g.next_id().unwrap(), a[0]);
        let unique: std::collections::BTreeSet<&String> = a.iter().collect();
        assert_eq!(unique.len(), 100);
        for id in &a {
            assert_eq!(id.len(), 22);
            assert!(matches!(id.as_bytes()[0], b'A'..=b'Z' | b'a'..=b'f'), "{id}");
        }
        assert_ne!(TaskIdGenerator::seeded(8).next_id().unwrap(), a[0]);
    }

    #[test]
    fn random_ids_differ() {
        let mut g = TaskIdGenerator::random();
        assert_ne!(g.next_id().unwrap(), g.next_id().unwrap());
    }
}

//! The iteration order of a Python 3.11 `set` of strings built by adding them one by one, as
//! CPython lays it out with `PYTHONHASHSEED=0` (the seed the reference outputs use): string
//! hashes are SipHash-1-3 with a zero key over the string's storage units, and the set is an
//! open-addressing table (9 linear probes, then perturbed probing) that grows at 60 % fill.
//!
//! taskgraph joins such a set into text in one place we reproduce (the checkout cache name of
//! tasks checking out several repositories). With a random hash seed Python's order varies
//! from run to run, so any order is "right" there; this one matches `PYTHONHASHSEED=0`.

/// SipHash-1-3 with key (k0, k1), as CPython's `siphash13`.
fn siphash13(k0: u64, k1: u64, data: &[u8]) -> u64 {
    let mut v0 = k0 ^ 0x736f_6d65_7073_6575;
    let mut v1 = k1 ^ 0x646f_7261_6e64_6f6d;
    let mut v2 = k0 ^ 0x6c79_6765_6e65_7261;
    let mut v3 = k1 ^ 0x7465_6462_7974_6573;
    let round = |v0: &mut u64, v1: &mut u64, v2: &mut u64, v3: &mut u64| {
        *v0 = v0.wrapping_add(*v1);
        *v1 = v1.rotate_left(13);
        *v1 ^= *v0;
        *v0 = v0.rotate_left(32);
        *v2 = v2.wrapping_add(*v3);
        *v3 = v3.rotate_left(16);
        *v3 ^= *v2;
        *v0 = v0.wrapping_add(*v3);
        *v3 = v3.rotate_left(21);
        *v3 ^= *v0;
        *v2 = v2.wrapping_add(*v1);
        *v1 = v1.rotate_left(17);
        *v1 ^= *v2;
        *v2 = v2.rotate_left(32);
    };
    let chunks = data.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let m = u64::from_le_bytes(word);
        v3 ^= m;
        round(&mut v0, &mut v1, &mut v2, &mut v3);
        v0 ^= m;
    }
    let mut last = (data.len() as u64) << 56;
    for (i, b) in tail.iter().enumerate() {
        last |= u64::from(*b) << (8 * i);
    }
    v3 ^= last;
    round(&mut v0, &mut v1, &mut v2, &mut v3);
    v0 ^= last;
    v2 ^= 0xff;
    for _ in 0..3 {
        round(&mut v0, &mut v1, &mut v2, &mut v3);
    }
    v0 ^ v1 ^ v2 ^ v3
}

/// The bytes CPython hashes for a string: 1, 2 or 4 bytes per code point (the narrowest
/// storage that holds every character), little-endian.
fn storage_bytes(s: &str) -> Vec<u8> {
    let max = s.chars().map(u32::from).max().unwrap_or(0);
    match max {
        0..=0xff => s.chars().map(|c| u32::from(c) as u8).collect(),
        0x100..=0xffff => s.chars().flat_map(|c| (u32::from(c) as u16).to_le_bytes()).collect(),
        _ => s.chars().flat_map(|c| u32::from(c).to_le_bytes()).collect(),
    }
}

/// `hash(s)` under `PYTHONHASHSEED=0`.
pub fn python_str_hash(s: &str) -> i64 {
    if s.is_empty() {
        return 0;
    }
    let h = siphash13(0, 0, &storage_bytes(s)) as i64;
    if h == -1 {
        -2
    } else {
        h
    }
}

const MIN_SIZE: usize = 8;
const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;

/// One slot of the table: the hash and the index of the item in the caller's list.
type Slot = Option<(i64, usize)>;

/// `set_insert_clean`: place an entry known to be absent (no dummies in our tables).
fn insert_clean(table: &mut [Slot], hash: i64, item: usize) {
    let mask = table.len() - 1;
    let mut perturb = hash as u64;
    let mut i = (hash as u64 as usize) & mask;
    loop {
        // i is masked to the table's size; the probe run is only taken when it fits in the table
        // (CPython's `i + LINEAR_PROBES <= mask`), so both lookups always find their slots.
        if let Some(slot @ None) = table.get_mut(i) {
            *slot = Some((hash, item));
            return;
        }
        if let Some(run) = table.get_mut(i + 1..=i + LINEAR_PROBES) {
            if let Some(slot) = run.iter_mut().find(|slot| slot.is_none()) {
                *slot = Some((hash, item));
                return;
            }
        }
        perturb >>= PERTURB_SHIFT;
        i = (i.wrapping_mul(5).wrapping_add(1).wrapping_add(perturb as usize)) & mask;
    }
}

/// The order in which `set(items)` (items added in order) iterates, duplicates dropped.
pub fn python_set_order<S: AsRef<str>>(items: &[S]) -> Vec<String> {
    let mut table: Vec<Slot> = vec![None; MIN_SIZE];
    let mut used = 0usize;
    for (index, item) in items.iter().enumerate() {
        let text = item.as_ref();
        let hash = python_str_hash(text);
        let present =
            table.iter().flatten().any(|&(h, i)| h == hash && items.get(i).is_some_and(|other| other.as_ref() == text));
        if present {
            continue;
        }
        insert_clean(&mut table, hash, index);
        used += 1;
        let mask = table.len() - 1;
        if used * 5 >= mask * 3 {
            let min_used = if used > 50_000 { used * 2 } else { used * 4 };
            let mut size = MIN_SIZE;
            while size <= min_used {
                size <<= 1;
            }
            let old = std::mem::replace(&mut table, vec![None; size]);
            for (h, i) in old.into_iter().flatten() {
                insert_clean(&mut table, h, i);
            }
        }
    }
    table.into_iter().flatten().filter_map(|(_, i)| items.get(i)).map(|item| item.as_ref().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_cpython_with_seed_zero() {
        // PYTHONHASHSEED=0 python3.11 -c 'print(hash(s))'
        for (s, h) in [
            ("", 0),
            ("a", 4644417185603328019),
            ("abc", -4594863902769663758),
            ("\tci", -8484311031689780190),
            ("\tother", -1652635372512687365),
            ("héllo", 6395329678795984700),
            ("€x", -483395623852268653),
        ] {
            assert_eq!(python_str_hash(s), h, "{s:?}");
        }
    }

    #[test]
    fn set_order_matches_cpython_with_seed_zero() {
        // PYTHONHASHSEED=0 python3.11 -c 'print(list({"\t" + p for p in [...]}))'
        let names = [
            "xpi",
            "staging-xpi",
            "stagingpublic",
            "stagingprivate",
            "remotesettingsdevtools",
            "searchenginedevtools",
            "cpmanager",
            "cehomepage",
            "chinanewtab",
            "tabtweak",
        ];
        let items: Vec<String> = names.iter().map(|n| format!("\t{n}")).collect();
        let expected = [
            "cehomepage",
            "stagingpublic",
            "tabtweak",
            "searchenginedevtools",
            "remotesettingsdevtools",
            "chinanewtab",
            "cpmanager",
            "xpi",
            "staging-xpi",
            "stagingprivate",
        ];
        let expected: Vec<String> = expected.iter().map(|n| format!("\t{n}")).collect();
        assert_eq!(python_set_order(&items), expected);
        assert_eq!(python_set_order(&["\tci", "\tother"]), ["\tci", "\tother"]);
    }
}

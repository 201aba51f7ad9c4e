//! taskgraph's `util.path.match` (mozpath's): does a repository path match a file pattern?
//!
//! `*` matches within one path component; `**/` (at the start or after `/`) matches zero or
//! more directories; a trailing `/**` (or a whole `**`) matches anything below; and a pattern
//! matching an ancestor directory matches every path below it. The Python builds a regular
//! expression by rewriting the escaped pattern; this does the same rewrites on the pattern's
//! characters, left to right and without overlaps, as `re.sub` does.

use regex::Regex;
use std::collections::HashMap;

/// A piece of a pattern while it is being rewritten.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Literal(char),
    Star,
    /// Regex text produced by a rewrite; never matched by later rewrites.
    Raw(&'static str),
}

/// Compiled patterns, so that each is translated once per run.
#[derive(Default)]
pub struct PathMatcher {
    cache: HashMap<String, Regex>,
}

impl PathMatcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// `match(path, pattern)`.
    pub fn matches(&mut self, path: &str, pattern: &str) -> Result<bool, String> {
        if pattern.is_empty() {
            return Ok(true);
        }
        if let Some(re) = self.cache.get(pattern) {
            return Ok(re.is_match(path));
        }
        let re = Regex::new(&pattern_regex(pattern))
            .map_err(|e| format!("file pattern {pattern:?} cannot be matched: {e}"))?;
        let matched = re.is_match(path);
        self.cache.insert(pattern.to_string(), re);
        Ok(matched)
    }
}

/// The anchored regular expression for a pattern.
fn pattern_regex(pattern: &str) -> String {
    let pieces: Vec<Piece> = pattern.chars().map(|c| if c == '*' { Piece::Star } else { Piece::Literal(c) }).collect();
    let pieces = rewrite_inner_star_star(&pieces);
    let pieces = rewrite_final_star_star(pieces);
    let mut out = String::from("^");
    for piece in pieces {
        match piece {
            Piece::Literal(c) => out.push_str(&regex::escape(&c.to_string())),
            Piece::Star => out.push_str("[^/]*"),
            Piece::Raw(text) => out.push_str(text),
        }
    }
    out.push_str("(?:/.*)?$");
    out
}

const STAR_STAR_SLASH: [Piece; 3] = [Piece::Star, Piece::Star, Piece::Literal('/')];

/// `(^|/)\*\*/` -> `\1(?:.+/)?`, scanning left to right without overlaps.
fn rewrite_inner_star_star(pieces: &[Piece]) -> Vec<Piece> {
    let mut out = Vec::with_capacity(pieces.len());
    let mut rest = pieces;
    if let Some(tail) = rest.strip_prefix(&STAR_STAR_SLASH) {
        out.push(Piece::Raw("(?:.+/)?"));
        rest = tail;
    }
    while let Some((piece, tail)) = rest.split_first() {
        match tail.strip_prefix(&STAR_STAR_SLASH) {
            Some(after) if *piece == Piece::Literal('/') => {
                out.push(Piece::Literal('/'));
                out.push(Piece::Raw("(?:.+/)?"));
                rest = after;
            }
            _ => {
                out.push(piece.clone());
                rest = tail;
            }
        }
    }
    out
}

/// `(^|/)\*\*$` -> `(?:\1.+)?`.
fn rewrite_final_star_star(mut pieces: Vec<Piece>) -> Vec<Piece> {
    match pieces.as_slice() {
        [Piece::Star, Piece::Star] => return vec![Piece::Raw("(?:.+)?")],
        [.., Piece::Literal('/'), Piece::Star, Piece::Star] => {
            pieces.truncate(pieces.len().saturating_sub(3));
            pieces.push(Piece::Raw("(?:/.+)?"));
        }
        _ => {}
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values from Python taskgraph 24.5.1 `taskgraph.util.path.match(path, pattern)`
    /// (regenerate with optimize/tests/fixtures/pathmatch.py).
    #[test]
    fn matches_like_taskgraph() {
        let text = include_str!("../tests/fixtures/pathmatch.json");
        let cases: Vec<(String, String, bool)> = serde_json::from_str(text).unwrap();
        assert!(cases.len() > 50);
        let mut m = PathMatcher::new();
        for (path, pattern, expected) in cases {
            assert_eq!(m.matches(&path, &pattern).unwrap(), expected, "match({path:?}, {pattern:?})");
        }
    }
}

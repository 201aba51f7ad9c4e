//! Python `re.match(pattern + "$", text)` in Rust: anchored at the start, `$` closing the last
//! alternative only, as Python reads the concatenation.

use regex::Regex;

/// Compile `pattern` as taskgraph's `re.match(pattern + "$", …)` would apply it.
pub fn full_match_regex(pattern: &str) -> Option<Regex> {
    Regex::new(&format!("^(?:{pattern}$)")).ok()
}

/// `re.match(pattern + "$", text)`: true when it matches. A pattern Rust cannot compile
/// (look-around, back-references) never matches.
pub fn python_full_match(pattern: &str, text: &str) -> bool {
    full_match_regex(pattern).is_some_and(|re| re.is_match(text))
}

/// `re.match(pattern, text)`: anchored at the start only.
pub fn python_match(pattern: &str, text: &str) -> bool {
    Regex::new(&format!("^(?:{pattern})")).is_ok_and(|re| re.is_match(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        // (pattern, text, re.match(pattern + "$", text) is not None) -- checked with CPython 3.11
        let cases = [
            ("linux.*", "linux64", true),
            ("linux", "linux64", false),
            ("a|b", "abc", true),
            ("a|b", "b", true),
            ("a|b", "bc", false),
            ("win.*", "linux", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(python_full_match(pattern, text), expected, "{pattern} ~ {text}");
        }
    }
}

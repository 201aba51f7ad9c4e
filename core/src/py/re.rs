//! Python's `re.match` anchoring in Rust: `re.match(pattern, text)` is anchored at the start
//! only; taskgraph's `re.match(pattern + "$", text)` is anchored at both ends, `$` closing the
//! last alternative only, as Python reads the concatenation. Every stage compiles such patterns
//! here.

use regex::Regex;

/// Compile `pattern` as taskgraph's `re.match(pattern + "$", …)` would apply it.
pub fn full_match_regex(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern}$)"))
}

/// Compile `pattern` as `re.match(pattern, …)` applies it: anchored at the start only.
pub fn match_regex(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})"))
}

/// `re.match(pattern + "$", text)`: true when it matches. A pattern Rust cannot compile
/// (look-around, back-references) never matches. Literal patterns (the common case in
/// keyed-by tables) are compared without compiling; compiled patterns are memoised per thread.
pub fn python_full_match(pattern: &str, text: &str) -> bool {
    if is_literal(pattern) {
        return text == pattern || text.strip_suffix('\n') == Some(pattern);
    }
    COMPILED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() > 4096 {
            cache.clear();
        }
        cache
            .entry(pattern.to_string())
            .or_insert_with(|| full_match_regex(pattern).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(text))
    })
}

thread_local! {
    /// Memo of compiled keyed-by patterns: pure caching, no behaviour depends on it.
    static COMPILED: std::cell::RefCell<std::collections::HashMap<String, Option<Regex>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// True when `pattern` has no regex syntax, so matching it is plain equality.
fn is_literal(pattern: &str) -> bool {
    !pattern
        .chars()
        .any(|c| matches!(c, '.' | '^' | '$' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '\\'))
}

/// `re.match(pattern, text)`: anchored at the start only.
pub fn python_match(pattern: &str, text: &str) -> bool {
    match_regex(pattern).is_ok_and(|re| re.is_match(text))
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
        // re.match(pattern, text) is not None, CPython 3.11
        let re = match_regex("release/.*").unwrap();
        assert!(re.is_match("release/1.0"));
        assert!(!re.is_match("x-release/1.0"));
        assert!(match_regex("main").unwrap().is_match("main-2"));
        assert!(python_match("a|b", "bc") && !python_match("b", "ab"));
    }
}

//! Shell quoting (taskgraph/util/shell.py): arguments that a POSIX shell would split or expand
//! are wrapped in single quotes; an embedded `'` becomes `'\''`.

/// Characters that force quoting (`SHELL_QUOTE_RE` in taskgraph).
const SPECIAL: &[char] =
    &['\\', '\t', '\r', '\n', ' ', '\'', '"', '#', '<', '>', '&', '|', '`', '(', ')', '{', '}', '$', ';', '*', '?'];

/// One argument, quoted only when needed (empty strings and those starting with `~` always are).
pub fn quote_one(s: &str) -> String {
    if !s.is_empty() && !s.contains(SPECIAL) && !s.starts_with('~') {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// taskgraph's `quote(*strings)`: each argument quoted, joined by spaces.
pub fn quote<S: AsRef<str>>(strings: &[S]) -> String {
    strings.iter().map(|s| quote_one(s.as_ref())).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        // Expected from taskgraph.util.shell.quote (24.5.1).
        let cases: &[(&[&str], &str)] = &[
            (&["a", "b"], "a b"),
            (&["a b", "c"], "'a b' c"),
            (&[""], "''"),
            (&["~x"], "'~x'"),
            (&["it's"], "'it'\\''s'"),
            (&["--flag=$HOME"], "'--flag=$HOME'"),
            (&["a/b-c.d_e:f=g,h+i@%"], "a/b-c.d_e:f=g,h+i@%"),
        ];
        for (input, expected) in cases {
            assert_eq!(quote(input), *expected, "{input:?}");
        }
    }
}

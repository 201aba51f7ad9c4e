//! Python's `shlex.split(s)` (POSIX mode, no comments): how try syntax splits a commit message
//! into words before argument parsing.
//!
//! Words are separated by spaces, tabs, CR and LF. Single quotes keep everything literally;
//! double quotes keep everything but let a backslash escape `"` and `\`; outside quotes a
//! backslash makes the next character literal. Quotes may sit in the middle of a word
//! (`a"b c"d` is `ab cd`), and `''` is an empty word.

/// Why a string could not be split; the messages are Python's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A quote was opened and never closed.
    NoClosingQuotation,
    /// The string ends with a lone backslash.
    NoEscapedCharacter,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SplitError::NoClosingQuotation => "No closing quotation",
            SplitError::NoEscapedCharacter => "No escaped character",
        })
    }
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    /// Between words.
    Gap,
    /// Inside an unquoted part of a word.
    Word,
    /// Inside `'...'`.
    Single,
    /// Inside `"..."`.
    Double,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Split `input` into words as `shlex.split` does.
pub fn split(input: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut state = State::Gap;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match state {
            State::Gap | State::Word => {
                if is_space(c) {
                    if state == State::Word {
                        words.push(std::mem::take(&mut word));
                    }
                    state = State::Gap;
                    continue;
                }
                state = State::Word;
                match c {
                    '\'' => state = State::Single,
                    '"' => state = State::Double,
                    '\\' => word.push(chars.next().ok_or(SplitError::NoEscapedCharacter)?),
                    _ => word.push(c),
                }
            }
            State::Single => match c {
                '\'' => state = State::Word,
                _ => word.push(c),
            },
            State::Double => match c {
                '"' => state = State::Word,
                '\\' => match chars.next() {
                    Some(next @ ('"' | '\\')) => word.push(next),
                    Some(next) => {
                        word.push('\\');
                        word.push(next);
                    }
                    None => return Err(SplitError::NoEscapedCharacter),
                },
                _ => word.push(c),
            },
        }
    }
    match state {
        State::Single | State::Double => Err(SplitError::NoClosingQuotation),
        State::Word => {
            words.push(word);
            Ok(words)
        }
        State::Gap => Ok(words),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values from Python 3.11's `shlex.split` (python3 -c 'import shlex; print(shlex.split(...))')
    #[test]
    fn splits_like_python() {
        let cases: &[(&str, &[&str])] = &[
            ("try: -b do -p all", &["try:", "-b", "do", "-p", "all"]),
            ("  a\tb\nc  ", &["a", "b", "c"]),
            ("a\"b c\"d", &["ab cd"]),
            ("'it''s'", &["its"]),
            ("a '' b", &["a", "", "b"]),
            (r"gaia-build[Mulet\ Linux]", &["gaia-build[Mulet Linux]"]),
            (r#""a\"b\\c\d""#, &[r#"a"b\c\d"#]),
            (r"'a\b'", &[r"a\b"]),
            ("", &[]),
        ];
        for (input, want) in cases {
            assert_eq!(split(input).unwrap(), want.to_vec(), "{input:?}");
        }
    }

    #[test]
    fn errors_like_python() {
        assert_eq!(split("try: -b 'do").unwrap_err(), SplitError::NoClosingQuotation);
        assert_eq!(split("try: \"x").unwrap_err().to_string(), "No closing quotation");
        assert_eq!(split("x \\").unwrap_err().to_string(), "No escaped character");
        assert_eq!(split("\"a\\").unwrap_err(), SplitError::NoEscapedCharacter);
    }
}

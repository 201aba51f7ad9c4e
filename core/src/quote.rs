//! Input-derived text in error messages, capped: a 100 MB label must not make a 100 MB error
//! line.
//!
//! [`capped`] keeps the first [`MAX_QUOTED_CHARS`] characters of a label, name or value and
//! says how long the whole was: `aaaa… (104857600 bytes)`. [`capped_message`] is for messages
//! that other code (serde, a YAML scanner) wrote around a value it quoted: it keeps the head
//! and the tail, so that the `expected ...` part after the value survives. Text within the
//! limits is written unchanged, so ordinary messages stay byte for byte what they were.

use std::fmt;

/// Characters of a label, name or value that an error message quotes.
pub const MAX_QUOTED_CHARS: usize = 200;

/// Characters kept at each end of a library-written message that is too long.
pub const MESSAGE_END_CHARS: usize = 400;

/// `text` for an error message: unchanged when it has at most [`MAX_QUOTED_CHARS`]
/// characters, else those first characters and `… (N bytes)`.
pub fn capped(text: &str) -> Capped<'_> {
    Capped(text)
}

/// Displays as [`capped`] describes.
#[derive(Clone, Copy, Debug)]
pub struct Capped<'a>(&'a str);

impl fmt::Display for Capped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match split_after_chars(self.0, MAX_QUOTED_CHARS) {
            (head, "") => f.write_str(head),
            (head, _) => write!(f, "{head}… ({} bytes)", self.0.len()),
        }
    }
}

/// A message written by other code that may embed input: unchanged when it has at most
/// 2 × [`MESSAGE_END_CHARS`] characters, else its first and last [`MESSAGE_END_CHARS`]
/// characters around `… (N bytes) …`.
pub fn capped_message(message: &str) -> String {
    let (head, rest) = split_after_chars(message, MESSAGE_END_CHARS);
    let (middle, tail) = split_before_last_chars(rest, MESSAGE_END_CHARS);
    if middle.is_empty() {
        return message.to_string();
    }
    format!("{head}… ({} bytes) …{tail}", message.len())
}

/// `text` split after its first `n` characters (all of it and `""` when it is shorter).
fn split_after_chars(text: &str, n: usize) -> (&str, &str) {
    let at = text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
    text.split_at_checked(at).unwrap_or((text, ""))
}

/// `text` split before its last `n` characters (`""` and all of it when it is shorter).
fn split_before_last_chars(text: &str, n: usize) -> (&str, &str) {
    let at = match n.checked_sub(1) {
        None => text.len(),
        Some(back) => text.char_indices().rev().nth(back).map_or(0, |(i, _)| i),
    };
    text.split_at_checked(at).unwrap_or(("", text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_unchanged() {
        assert_eq!(capped("build-linux64/opt").to_string(), "build-linux64/opt");
        assert_eq!(capped("").to_string(), "");
        let exactly = "x".repeat(MAX_QUOTED_CHARS);
        assert_eq!(capped(&exactly).to_string(), exactly);
    }

    #[test]
    fn long_text_keeps_its_head_and_says_its_length() {
        let huge = "a".repeat(100 * 1024 * 1024);
        let shown = capped(&huge).to_string();
        assert_eq!(shown, format!("{}… (104857600 bytes)", "a".repeat(MAX_QUOTED_CHARS)));
        let one_over = "b".repeat(MAX_QUOTED_CHARS + 1);
        assert_eq!(capped(&one_over).to_string(), format!("{}… (201 bytes)", "b".repeat(MAX_QUOTED_CHARS)));
    }

    #[test]
    fn cuts_between_characters_not_inside_one() {
        let text = "é".repeat(MAX_QUOTED_CHARS + 5);
        let shown = capped(&text).to_string();
        assert_eq!(shown, format!("{}… ({} bytes)", "é".repeat(MAX_QUOTED_CHARS), text.len()));
    }

    #[test]
    fn messages_keep_both_ends() {
        let short = "invalid type: string \"x\", expected u32";
        assert_eq!(capped_message(short), short);
        let value = "v".repeat(10_000);
        let message = format!("invalid type: string \"{value}\", expected u32");
        let shown = capped_message(&message);
        assert!(shown.starts_with("invalid type: string \"vvv"), "{shown}");
        assert!(shown.ends_with("vvv\", expected u32"), "{shown}");
        assert!(shown.contains(&format!("… ({} bytes) …", message.len())), "{shown}");
        assert!(shown.chars().count() < 2 * MESSAGE_END_CHARS + 40, "{}", shown.len());
        let edge = "m".repeat(2 * MESSAGE_END_CHARS);
        assert_eq!(capped_message(&edge), edge);
    }
}

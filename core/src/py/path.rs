//! Python's `posixpath` functions as taskgraph/util/path.py uses them (`join`, `normpath`,
//! `dirname`), on `/`-separated strings, and taskgraph.util.json's `dumps`.

/// `posixpath.join(a, *rest)`: an absolute component restarts the path.
pub fn join(parts: &[&str]) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 || part.starts_with('/') {
            out = part.to_string();
        } else if out.is_empty() || out.ends_with('/') {
            out.push_str(part);
        } else {
            out.push('/');
            out.push_str(part);
        }
    }
    out
}

/// `posixpath.normpath(path)`: collapses `//`, `.` and `dir/..`; keeps a leading `//`.
pub fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let initial_slashes = if path.starts_with("//") && !path.starts_with("///") {
        2
    } else if path.starts_with('/') {
        1
    } else {
        0
    };
    let mut comps: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp != ".." || (initial_slashes == 0 && comps.is_empty()) || comps.last() == Some(&"..") {
            comps.push(comp);
        } else if !comps.is_empty() {
            comps.pop();
        }
    }
    let joined = comps.join("/");
    let out = format!("{}{joined}", "/".repeat(initial_slashes));
    if out.is_empty() {
        ".".into()
    } else {
        out
    }
}

/// `posixpath.dirname(path)`: everything before the last `/`, trailing slashes removed
/// (unless it is all slashes).
pub fn dirname(path: &str) -> String {
    let head = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    if !head.is_empty() && head.chars().any(|c| c != '/') {
        head.trim_end_matches('/').to_string()
    } else {
        head.to_string()
    }
}

/// taskgraph.util.json.dumps with orjson (installed with taskgraph): compact separators, UTF-8
/// output, keys sorted recursively when `sort_keys`.
pub fn json_dumps(value: &serde_json::Value, sort_keys: bool) -> String {
    if sort_keys {
        serde_json::to_string(&sorted(value)).unwrap_or_default()
    } else {
        serde_json::to_string(value).unwrap_or_default()
    }
}

/// A copy of `value` with every mapping's keys in sorted order.
fn sorted(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        // Expected values from CPython 3.11 posixpath.
        for (input, expected) in [
            ("a/./b/../c", "a/c"),
            ("/a//b/", "/a/b"),
            ("", "."),
            ("..", ".."),
            ("../..//x", "../../x"),
            ("//a", "//a"),
            ("///a", "/a"),
            ("a/..", "."),
            ("./", "."),
        ] {
            assert_eq!(normpath(input), expected, "normpath {input:?}");
        }
        for (input, expected) in
            [("a/b", "a"), ("a/b/", "a/b"), ("/a", "/"), ("a", ""), ("", ""), ("//a//b//", "//a//b"), ("/", "/")]
        {
            assert_eq!(dirname(input), expected, "dirname {input:?}");
        }
        assert_eq!(join(&["a", "/b", "c"]), "/b/c");
        assert_eq!(join(&["a/", "b"]), "a/b");
        assert_eq!(join(&["a", ""]), "a/");
        assert_eq!(join(&["", "b"]), "b");
    }

    #[test]
    fn dumps_like_orjson() {
        // taskgraph.util.json.dumps([{'b': 1, 'a': 'é/x</'}], sort_keys=True)
        let v = serde_json::json!([{"b": 1, "a": "é/x</"}]);
        assert_eq!(json_dumps(&v, true), r#"[{"a":"é/x</","b":1}]"#);
    }
}

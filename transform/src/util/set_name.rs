//! taskgraph.util.set_name: how `from-deps` names a task after its primary dependency.
//!
//! Built in: `strip-kind` (the dependency's label without its `<kind>-` prefix) and
//! `retain-kind` (the label as it is). Projects register more in Python; here an unknown name is
//! an error listing the known ones.

use tg_core::task::Task;

/// The names `from-deps.set-name` accepts.
pub const SET_NAME_FUNCTIONS: &[&str] = &["strip-kind", "retain-kind"];

/// Apply the set-name function `name` to the primary dependency.
pub fn set_name(name: &str, primary_dep: &Task, primary_kind: &str) -> Result<String, String> {
    match name {
        "strip-kind" => Ok(strip_kind(&primary_dep.label, primary_kind)),
        "retain-kind" => Ok(primary_dep.label.clone()),
        other => Err(format!("unknown set-name function '{other}' (known: {})", SET_NAME_FUNCTIONS.join(", "))),
    }
}

/// `label[len(kind) + 1:]` when the label starts with the kind (Python slices by characters).
fn strip_kind(label: &str, kind: &str) -> String {
    if label.starts_with(kind) {
        label.chars().skip(kind.chars().count() + 1).collect()
    } else {
        label.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_kind_table() {
        // taskgraph.util.set_name.set_name_strip_kind on the same labels.
        assert_eq!(strip_kind("build-linux64", "build"), "linux64");
        assert_eq!(strip_kind("signing-x", "build"), "signing-x");
        assert_eq!(strip_kind("buildx", "build"), "");
        assert_eq!(strip_kind("build", "build"), "");
    }
}

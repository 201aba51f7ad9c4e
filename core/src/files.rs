//! Files and directories the stages create (decision artifacts, tg-submit's state and dry-run
//! requests, `tg-params -o`), with explicit modes: directories 0o755, artifacts and dry-run
//! requests 0o644, the state log 0o600. Asked for at creation (`DirBuilderExt`,
//! `OpenOptionsExt`), so a permissive umask (000) cannot make them group- or world-writable;
//! a stricter umask still narrows them. Existing files and directories keep their modes.

use crate::error::usage;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Mode of the directories tg-submit creates.
pub const DIR_MODE: u32 = 0o755;
/// Mode of the artifacts and the dry-run requests file (readable by all, like any artifact).
pub const PUBLIC_FILE_MODE: u32 = 0o644;
/// Mode of the state log (tg-submit's own bookkeeping).
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// `mkdir -p` with [`DIR_MODE`] for every directory it creates.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)
}

/// `OpenOptions` that create a missing file with `mode` (Unix; elsewhere the default).
pub fn options_with_mode(mode: u32) -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    options
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn created_files_and_directories_get_the_modes_asked_for_at_most() {
        let base = std::env::temp_dir().join(format!("tg-submit-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let dir = base.join("a/b");
        create_dir_all(&dir).unwrap();
        let file = dir.join("f");
        options_with_mode(PRIVATE_FILE_MODE).write(true).create(true).truncate(true).open(&file).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        // The umask may narrow the modes; it can never widen them.
        assert_eq!(mode(&dir) & !DIR_MODE, 0);
        assert_eq!(mode(&base.join("a")) & !DIR_MODE, 0);
        assert_eq!(mode(&file) & !PRIVATE_FILE_MODE, 0);
        let _ = std::fs::remove_dir_all(&base);
    }
}

/// Write `bytes` to a temporary file beside `path` ([`PUBLIC_FILE_MODE`]), sync it, and rename
/// it into place: readers see the old file or the whole new one, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut tmp = PathBuf::from(path);
    tmp.set_extension(format!("{}.tmp", path.extension().and_then(|e| e.to_str()).unwrap_or_default()));
    let err = |e: std::io::Error| usage(format!("cannot write {}: {e}", path.display()));
    let mut file =
        options_with_mode(PUBLIC_FILE_MODE).write(true).create(true).truncate(true).open(&tmp).map_err(err)?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

//! `cargo xtask dist`: the release binaries, `kinds/decision.sh` and the README as one tarball
//! (`target/dist/tg-<version>-<target>.tar.gz`) that runs on a plain Debian or Ubuntu decision
//! image (the binaries link only glibc; project code needs Python with taskgraph 24.5.1, see
//! the `Dockerfile`).

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The binaries a decision or action task runs.
pub const BINARIES: &[&str] = &[
    "tg-decision",
    "tg-params",
    "tg-load",
    "tg-transform",
    "tg-resolve",
    "tg-diff",
    "tg-optimize",
    "tg-morph",
    "tg-submit",
    "tg-action",
];

/// Build the release binaries and pack them; returns the tarball's path.
pub fn dist(root: &Path) -> Result<PathBuf> {
    crate::run(crate::cargo().args(["build", "--release", "--bins", "-q"]))?;
    let name = format!("tg-{}-{}", env!("CARGO_PKG_VERSION"), std::env::consts::ARCH.to_owned() + "-linux");
    let stage = root.join("target/dist").join(&name);
    let _ = std::fs::remove_dir_all(&stage);
    std::fs::create_dir_all(stage.join("bin"))?;
    std::fs::create_dir_all(stage.join("share/tg"))?;
    for bin in BINARIES {
        let from = root.join("target/release").join(bin);
        std::fs::copy(&from, stage.join("bin").join(bin)).with_context(|| format!("copy {}", from.display()))?;
    }
    std::fs::copy(root.join("kinds/decision.sh"), stage.join("share/tg/decision.sh"))?;
    std::fs::copy(root.join("README.md"), stage.join("share/tg/README.md"))?;
    let tarball = root.join("target/dist").join(format!("{name}.tar.gz"));
    let status = Command::new("tar")
        .args(["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "-czf"])
        .arg(&tarball)
        .arg("-C")
        .arg(root.join("target/dist"))
        .arg(&name)
        .status()
        .context("cannot run tar")?;
    if !status.success() {
        bail!("tar failed: {status}");
    }
    let size = std::fs::metadata(&tarball)?.len();
    eprintln!("xtask: wrote {} ({:.1} MB)", tarball.display(), size as f64 / 1e6);
    Ok(tarball)
}

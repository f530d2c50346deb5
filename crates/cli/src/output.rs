//! Where command output goes: stdout, or a file written atomically (a temporary file in the
//! same directory, renamed into place) so a failed run never leaves a half-written report.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Output formats shared by commands that print structured results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

/// Write `content` to `path` atomically, or to stdout when `path` is `None`.
#[allow(dead_code)]
pub fn emit(path: Option<&Path>, content: &[u8]) -> Result<()> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(content)
                .context("writing to standard output")?;
            out.flush().ok();
            Ok(())
        }
        Some(path) => write_atomic(path, content),
    }
}

/// Write a file via a temporary sibling and rename.
pub fn write_atomic(path: &Path, content: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .with_context(|| format!("{}: not a file path", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, content).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("moving output into place at {}", path.display())
    })?;
    Ok(())
}

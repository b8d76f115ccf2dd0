//! Files we write besides stdout. Each is written to a temporary file in the
//! target's directory and renamed into place, so a failure never leaves a
//! half-written file, and a target that is one of our inputs is refused.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::input::Input;

/// Writes `path` atomically with the bytes `fill` produces.
pub fn write_atomically(
    path: &Path,
    inputs: &[Input],
    fill: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    refuse_input(path, inputs)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .context("the path has no file name")?
        .to_string_lossy()
        .into_owned();
    let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let file = File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let mut writer = BufWriter::new(file);
        fill(&mut writer)?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path).context("renaming the temporary file into place")?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn refuse_input(path: &Path, inputs: &[Input]) -> Result<()> {
    let target = std::fs::canonicalize(path).ok();
    for input in inputs {
        if input.name == "-" {
            continue;
        }
        let same = match (&target, std::fs::canonicalize(&input.name)) {
            (Some(t), Ok(i)) => *t == i,
            _ => false,
        };
        if same {
            bail!("is one of the inputs; refusing to overwrite it");
        }
    }
    Ok(())
}

/// `--unparsed FILE`: the unrecognized Postfix lines, in input order.
pub fn write_unparsed(path: &Path, inputs: &[Input], ranges: &[Vec<Range<usize>>]) -> Result<()> {
    write_atomically(path, inputs, |out| {
        for (input, ranges) in inputs.iter().zip(ranges) {
            for range in ranges {
                out.write_all(&input.data[range.clone()])?;
                out.write_all(b"\n")?;
            }
        }
        Ok(())
    })
}

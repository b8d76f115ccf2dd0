//! Files we write besides stdout. Each is written to a temporary file in the
//! target's directory and renamed into place, so a failure never leaves a
//! half-written file, and a target that is one of our inputs is refused.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{bail, Context, Result};

use crate::scan::Sink;

/// Writes `path` atomically with the bytes `fill` produces.
pub fn write_atomically(
    path: &Path,
    inputs: &[String],
    fill: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let file = AtomicFile::create(path, inputs)?;
    let result = (|| {
        let mut writer = BufWriter::new(file.handle()?);
        fill(&mut writer)?;
        writer.flush()?;
        Ok(())
    })();
    match result {
        Ok(()) => file.commit(),
        Err(e) => {
            file.discard();
            Err(e)
        }
    }
}

/// A file being written under a temporary name in its target's directory,
/// renamed into place by [`AtomicFile::commit`], removed by
/// [`AtomicFile::discard`] (or when dropped uncommitted).
pub struct AtomicFile {
    tmp: PathBuf,
    target: PathBuf,
    /// `None` once [`AtomicFile::close`]d: written and synced, waiting to
    /// be renamed.
    file: Option<File>,
    done: bool,
}

impl AtomicFile {
    /// Creates the temporary file for `path`, refusing a path that is one
    /// of `inputs` (names as given; `-` is standard input).
    pub fn create(path: &Path, inputs: &[String]) -> Result<AtomicFile> {
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
        // Unique in this process too: the dataset writes many at once.
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{file_name}.tmp-{}-{n}", std::process::id()));
        let file = File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        Ok(AtomicFile {
            tmp,
            target: path.to_path_buf(),
            file: Some(file),
            done: false,
        })
    }

    /// Another handle on the temporary file, to write through.
    pub fn handle(&self) -> Result<File> {
        Ok(self
            .file
            .as_ref()
            .context("the file is closed")?
            .try_clone()?)
    }

    /// Syncs the written data and closes this handle (the writer must have
    /// closed its own): the file waits for [`AtomicFile::commit`] without
    /// holding a descriptor (a dataset may have thousands of them).
    pub fn close(&mut self) -> Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all()
                .with_context(|| format!("writing {}", self.tmp.display()))?;
        }
        Ok(())
    }

    /// Names the file `target` instead (the dataset's file names are known
    /// at the end of the run).
    pub fn retarget(&mut self, target: PathBuf) {
        self.target = target;
    }

    /// Syncs the written data and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        let result = self.close().and_then(|()| {
            std::fs::rename(&self.tmp, &self.target)
                .context("renaming the temporary file into place")
        });
        if result.is_ok() {
            self.done = true;
        }
        result
    }

    /// Removes the temporary file.
    pub fn discard(self) {}
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn refuse_input(path: &Path, inputs: &[String]) -> Result<()> {
    let target = std::fs::canonicalize(path).ok();
    for input in inputs {
        if input == "-" {
            continue;
        }
        let same = match (&target, std::fs::canonicalize(input)) {
            (Some(t), Ok(i)) => *t == i,
            _ => false,
        };
        if same {
            bail!("is one of the inputs; refusing to overwrite it");
        }
    }
    Ok(())
}

/// `--unparsed FILE`: the unrecognized Postfix lines, in input order,
/// written as the scan hands them over (a [`Sink`]).
pub struct Unparsed {
    file: AtomicFile,
    out: BufWriter<File>,
    error: Option<anyhow::Error>,
}

impl Unparsed {
    pub fn create(path: &Path, inputs: &[String]) -> Result<Unparsed> {
        let file = AtomicFile::create(path, inputs)?;
        let out = BufWriter::with_capacity(1 << 20, file.handle()?);
        Ok(Unparsed {
            file,
            out,
            error: None,
        })
    }

    /// Renames the file into place, or reports why it could not be written.
    pub fn finish(mut self) -> Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        self.file.commit()
    }
}

impl Sink for Unparsed {
    fn block(&mut self, _: usize, _: Option<&polars::prelude::DataFrame>, lines: &[u8]) {
        if self.error.is_none() {
            if let Err(e) = self.out.write_all(lines) {
                self.error = Some(e.into());
            }
        }
    }
}

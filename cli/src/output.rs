//! Output files are written atomically: into a temporary file beside the
//! destination, then renamed over it. A failure leaves the destination as it
//! was, and never a partial file.

use std::io::Write;
use std::path::Path;

/// Write `contents` to `path` atomically.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new().prefix(".mhac-").suffix(".tmp").tempfile_in(dir)?;
    file.write_all(contents)?;
    readable(file.as_file())?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// Write `contents` to a new file at `path` atomically, refusing to replace
/// a file that exists (also one created while writing): the temporary file
/// is linked into place only if nothing is there.
pub fn write_new_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new().prefix(".mhac-").suffix(".tmp").tempfile_in(dir)?;
    file.write_all(contents)?;
    readable(file.as_file())?;
    file.as_file().sync_all()?;
    file.persist_noclobber(path).map_err(|error| error.error)?;
    Ok(())
}

/// Write several files into `dir` as one set: `dir` is created if missing;
/// every file is first written to a temporary file in `dir`, and only when
/// all of them are written are they renamed over their destinations. A
/// failure before the renames leaves `dir` as it was (the temporary files are
/// removed). Files in `dir` that are not in `files` are never touched.
pub fn write_files_atomic(dir: &Path, files: &[(&str, &[u8])]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    // A destination that is a directory would fail its rename half-way
    // through the set: refuse it before writing anything.
    for (name, _) in files {
        let path = dir.join(name);
        if path.is_dir() {
            return Err(std::io::Error::other(format!("{} is a directory", path.display())));
        }
    }
    let mut written = Vec::with_capacity(files.len());
    for (name, contents) in files {
        let mut file = tempfile::Builder::new().prefix(".mhac-").suffix(".tmp").tempfile_in(dir)?;
        file.write_all(contents)?;
        readable(file.as_file())?;
        file.as_file().sync_all()?;
        written.push((file, dir.join(name)));
    }
    for (file, path) in written {
        file.persist(&path).map_err(|error| error.error)?;
    }
    Ok(())
}

/// Generated configuration is read by other tools and users: `rw-r--r--`
/// rather than the private mode of a temporary file.
fn readable(file: &std::fs::File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Write files below `dir` (paths may have directories), each with its
/// mode, each atomically (a temporary file beside it, then a rename).
pub fn write_tree_atomic(dir: &Path, files: &[(&str, &[u8], u32)]) -> std::io::Result<()> {
    for (name, contents, mode) in files {
        let path = dir.join(name);
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)?;
        let mut file = tempfile::Builder::new().prefix(".mhac-").suffix(".tmp").tempfile_in(parent)?;
        file.write_all(contents)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.as_file().set_permissions(std::fs::Permissions::from_mode(*mode))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
        file.as_file().sync_all()?;
        file.persist(&path).map_err(|error| error.error)?;
    }
    Ok(())
}

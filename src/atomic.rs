//! Writing a file whole or not at all: through a temporary file beside it,
//! synced, then renamed over it, so that a reader never sees half a file and
//! a failure leaves the last good copy.
//!
//! The rename is only right for a regular file (or a new one). A symlink is
//! written through to its target, so the link survives; a device or a pipe
//! (`/dev/stdout`) is written plainly, since renaming over it would replace
//! the device node with a file; a directory is refused.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Writes `contents` to `path`, readable by others as the umask allows
/// (not the private mode of a temporary file), or keeping the mode of the
/// file it replaces. The directory must exist.
pub fn write(path: &Path, contents: &[u8]) -> io::Result<()> {
    let target = resolve(path)?;
    match fs::metadata(&target) {
        Ok(meta) if meta.is_file() => replace(&target, contents, meta.permissions()),
        Ok(meta) if meta.is_dir() => Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory; name a file inside it",
        )),
        Ok(meta) if meta.file_type().is_char_device() || meta.file_type().is_fifo() => {
            OpenOptions::new()
                .write(true)
                .open(&target)?
                .write_all(contents)
        }
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is not a regular file (a block device or a socket); name a regular file",
        )),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            replace(&target, contents, fs::Permissions::from_mode(0o644))
        }
        Err(err) => Err(err),
    }
}

/// The file a write to `path` lands in: `path` itself, or, through any
/// chain of symlinks, the path they end at (which may not exist yet).
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        "it is a chain of too many symlinks",
    ))
}

fn replace(path: &Path, contents: &[u8], permissions: fs::Permissions) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".dockwright-")
        .suffix(".tmp")
        .permissions(permissions)
        .tempfile_in(dir)
        .map_err(without_temporary_path)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .map_err(|err| without_temporary_path(err.error))?;
    Ok(())
}

/// The error without the temporary file's name, which tempfile adds and the
/// user never asked for.
fn without_temporary_path(err: io::Error) -> io::Error {
    if err.raw_os_error().is_some() {
        err
    } else {
        io::Error::from(err.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_write_replaces_the_file_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page.html");
        std::fs::write(&path, "old").unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_symlink_is_written_through_and_stays_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("out")).unwrap();
        let target = dir.path().join("out/report.html");
        fs::write(&target, "old").unwrap();
        let link = dir.path().join("latest.html");
        symlink("out/report.html", &link).unwrap();
        write(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        let dangling = dir.path().join("next.html");
        symlink("out/next.html", &dangling).unwrap();
        write(&dangling, b"first").unwrap();
        assert!(fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            fs::read_to_string(dir.path().join("out/next.html")).unwrap(),
            "first"
        );
    }

    #[test]
    fn a_replaced_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.json");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        write(&path, b"new").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_device_is_written_to_not_replaced() {
        // /dev/full refuses every write: the error comes back, and the
        // device node is still a device afterwards.
        let err = write(Path::new("/dev/full"), b"page").unwrap_err();
        assert_eq!(err.raw_os_error(), Some(28), "{err}");
        assert!(fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device());
        write(Path::new("/dev/null"), b"page").unwrap();
        assert!(fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = write(dir.path(), b"page").unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
    }
}

//! One measurement at a time per project: two runs would time each other.
//!
//! The lock is an OS file lock on `.dockwright/measure.lock`: the OS drops
//! it when its process ends, however it ends, so a killed run never leaves
//! a lock to take over, and two processes can never both hold it. The file
//! itself stays; it names the process that last held it, for the message.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::Path;

use crate::error::{UserError, WriteFailed};

pub struct Lock {
    _file: File,
}

impl Lock {
    /// Takes the lock file `path` for `dockwright what`, or says who holds it.
    pub fn acquire(path: &Path, what: &str) -> Result<Lock, UserError> {
        let fail =
            |err: std::io::Error| UserError::from(WriteFailed::new("write the lock", path, err));
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(fail)?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(fail)?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0).map_err(fail)?;
                write!(file, "{}", std::process::id()).map_err(fail)?;
                Ok(Lock { _file: file })
            }
            Err(fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file
                    .rewind()
                    .and_then(|()| file.read_to_string(&mut holder));
                let pid = match holder.trim() {
                    "" => String::new(),
                    pid => format!(" (pid {pid})"),
                };
                Err(UserError::new(format!(
                    "another `dockwright {what}`{pid} is running on this project and holds `{}`; wait for it to finish or stop it",
                    path.display()
                )))
            }
            Err(fs::TryLockError::Error(err)) => Err(fail(err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_lock_path_and_a_dead_holder_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("measure.lock");
        let lock = Lock::acquire(&path, "measure").unwrap();
        let err = Lock::acquire(&path, "measure").err().unwrap().to_string();
        assert!(err.contains("is running on this project"), "{err}");
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains(&std::process::id().to_string()), "{err}");
        drop(lock);
        // What a killed holder leaves: the file with its pid, and no lock.
        fs::write(&path, "999999999").unwrap();
        let _taken = Lock::acquire(&path, "measure").unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            std::process::id().to_string()
        );
    }
}

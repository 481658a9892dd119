//! One measurement at a time per project: two runs would time each other.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::UserError;

pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Takes the lock file `path`; a lock left by a process that is gone is
    /// taken over.
    pub fn acquire(path: &Path, what: &str) -> Result<Lock, UserError> {
        let fail = |err: std::io::Error| {
            UserError::new(format!(
                "cannot create the lock `{}` ({err}); check the permissions there",
                path.display()
            ))
        };
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(fail)?;
        }
        loop {
            match OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(mut file) => {
                    write!(file, "{}", std::process::id()).map_err(fail)?;
                    return Ok(Lock {
                        path: path.to_path_buf(),
                    });
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(path).unwrap_or_default();
                    let pid = holder.trim();
                    let alive = !pid.is_empty() && Path::new("/proc").join(pid).exists();
                    if alive {
                        return Err(UserError::new(format!(
                            "another `dockwright {what}` (pid {pid}) is running on this project; wait for it to finish or stop it"
                        )));
                    }
                    fs::remove_file(path).map_err(fail)?;
                }
                Err(err) => return Err(fail(err)),
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_a_stale_lock_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("measure.lock");
        let lock = Lock::acquire(&path, "measure").unwrap();
        let err = Lock::acquire(&path, "measure").err().unwrap();
        assert!(
            err.to_string().contains("is running on this project"),
            "{err}"
        );
        drop(lock);
        assert!(!path.exists());
        fs::write(&path, "999999999").unwrap();
        let _taken = Lock::acquire(&path, "measure").unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            std::process::id().to_string()
        );
    }
}

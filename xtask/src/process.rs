//! Running other programs. Every program xtask runs to change something is announced by
//! [`shown`], so the user can read (and replay) what was done to their machine.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Duration;

use duct::Expression;

/// Prints the command line, then returns it ready to run.
pub fn shown<P, A>(program: P, args: &[A]) -> Expression
where
    P: AsRef<OsStr>,
    A: AsRef<OsStr>,
{
    println!("$ {}", command_line(program.as_ref(), args));
    quiet(program, args)
}

/// A command that is not announced: probes and reads that change nothing.
pub fn quiet<P, A>(program: P, args: &[A]) -> Expression
where
    P: AsRef<OsStr>,
    A: AsRef<OsStr>,
{
    let args: Vec<OsString> = args.iter().map(|a| a.as_ref().to_owned()).collect();
    duct::cmd(program.as_ref(), args)
}

/// Whether the command exits 0, with its output discarded; a program that cannot start counts
/// as a failure, which is what every probe wants.
pub fn succeeds<P, A>(program: P, args: &[A]) -> bool
where
    P: AsRef<OsStr>,
    A: AsRef<OsStr>,
{
    succeeds_within(&quiet(program, args), Duration::from_secs(60))
}

/// Like [`succeeds`] for an expression that may hang, e.g. `docker info` against a daemon
/// that is still starting.
pub fn succeeds_within(expression: &Expression, timeout: Duration) -> bool {
    let Ok(handle) = expression
        .stdin_null()
        .stdout_null()
        .stderr_null()
        .unchecked()
        .start()
    else {
        return false;
    };
    match handle.wait_timeout(timeout) {
        Ok(Some(output)) => output.status.success(),
        _ => {
            // Leaving it running would pile up stuck clients on every poll.
            let _ = handle.kill();
            false
        }
    }
}

/// The first line of the command's stdout, if it runs and exits 0.
pub fn first_line<P, A>(program: P, args: &[A]) -> Option<String>
where
    P: AsRef<OsStr>,
    A: AsRef<OsStr>,
{
    let text = quiet(program, args)
        .stdin_null()
        .stderr_null()
        .read()
        .ok()?;
    text.lines().next().map(str::to_owned)
}

/// Every executable called `name` on PATH, in PATH order, followed by `extra` locations;
/// symlinked duplicates (/bin is /usr/bin on merged-/usr systems) appear once.
pub fn find_all(name: &str, extra: &[&str]) -> Vec<PathBuf> {
    let on_path: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .collect()
        })
        .unwrap_or_default();
    let mut seen = Vec::new();
    let mut found = Vec::new();
    for candidate in on_path.into_iter().chain(extra.iter().map(PathBuf::from)) {
        if !is_executable(&candidate) {
            continue;
        }
        let real = candidate
            .canonicalize()
            .unwrap_or_else(|_| candidate.clone());
        if !seen.contains(&real) {
            seen.push(real);
            found.push(candidate);
        }
    }
    found
}

/// The first executable called `name` on PATH or, failing that, in the sbin directories that
/// a non-login root shell may lack.
pub fn find(name: &str) -> Option<PathBuf> {
    let sbin = ["/usr/sbin", "/sbin", "/usr/local/sbin"].map(|dir| format!("{dir}/{name}"));
    let extra: Vec<&str> = sbin.iter().map(String::as_str).collect();
    find_all(name, &extra).into_iter().next()
}

/// Closes every descriptor xtask inherited beyond stdin, stdout and stderr. The daemons it
/// starts (dockerd, the registry) outlive it and would hold such a descriptor for as long as
/// they run: the lock of a `flock` around `cargo xtask` would never be released. Called first
/// thing in `main`, while nothing of xtask's own is open.
pub fn close_inherited_descriptors() {
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    let inherited: Vec<i32> = entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .filter(|fd| *fd > 2)
        .collect();
    for fd in inherited {
        // The directory listing's own descriptor is among them, closed already: EBADF.
        let _ = nix::unistd::close(fd);
    }
}

pub fn is_root() -> bool {
    first_line("id", &["-u"]).as_deref() == Some("0")
}

/// The last `lines` lines of a log, indented, for an error message.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let Ok(file) = File::open(path) else {
        return "  (no log)".to_owned();
    };
    let all: Vec<String> = BufReader::new(file).lines().map_while(Result::ok).collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// How a shell user would type the command, quoted as dockwright quotes the commands it records.
pub fn command_line<A: AsRef<OsStr>>(program: &OsStr, args: &[A]) -> String {
    dockwright::shell::join(
        std::iter::once(program)
            .chain(args.iter().map(AsRef::as_ref))
            .map(OsStr::to_string_lossy),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_quote_only_what_a_shell_would_split() {
        let line = command_line(
            OsStr::new("docker"),
            &["import", "-c", "CMD [\"python3\"]", "it's", ""],
        );
        assert_eq!(line, r#"docker import -c 'CMD ["python3"]' 'it'\''s' ''"#);
    }

    #[test]
    fn probes_of_missing_programs_fail_instead_of_erroring() {
        assert!(!succeeds("/nonexistent/program", &["--version"]));
        assert!(succeeds("true", &[] as &[&str]));
    }
}

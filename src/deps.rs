//! Where the image build reads a project's dependencies from: the
//! requirements.txt dockwright writes for a new app, or an adopted project's
//! own files, with a pinned gunicorn added when they list none. Every image's
//! CMD runs gunicorn; the project's own files are never edited.

use crate::adopt::{DepsSource, Found};
use crate::error::warn;
use crate::presets::{self, PythonVersion};
use crate::requirements::Requirements;

/// dockwright's own requirements file, for what it has to add to a
/// project's: a file, not a folder, since setuptools' flat-layout discovery
/// would take a folder in the build context for a second package.
const OWN_REQUIREMENTS: &str = "dockwright-requirements.txt";

/// Where the image build reads the dependencies.
#[derive(Debug, PartialEq, Eq)]
pub struct DepsPlan {
    /// The requirements file, relative to the project root.
    pub requirements: String,
    /// The text dockwright writes there, if it writes it.
    pub text: Option<String>,
    /// The files it includes with `-r`.
    pub includes: Vec<String>,
    /// Whether the project installs itself.
    pub install_project: bool,
    /// Whether the hello-world app is written: a new project, not an
    /// adopted one.
    pub with_app: bool,
}

impl DepsPlan {
    /// A new app's requirements.txt, with `reqs` in it.
    pub fn new_app(reqs: Requirements) -> DepsPlan {
        warn_about(&reqs, false);
        DepsPlan {
            requirements: "requirements.txt".to_string(),
            text: Some(reqs.text),
            includes: Vec::new(),
            install_project: false,
            with_app: true,
        }
    }

    /// Where an adopted project's dependencies are read from.
    pub fn adopted(
        found: &Found,
        presets: &[presets::Preset],
        python: &PythonVersion,
    ) -> anyhow::Result<DepsPlan> {
        let reqs = match &found.deps {
            DepsSource::RequirementsFile(reqs) | DepsSource::Pyproject(reqs) => reqs,
        };
        // In hash-checking mode every requirement needs its hashes, which
        // dockwright does not have for gunicorn: warn_about asks for a line.
        let gunicorn = if has_gunicorn(reqs) || reqs.hashed {
            None
        } else {
            Some(presets::gunicorn(presets, python)?)
        };
        warn_about(reqs, gunicorn.is_some());
        if let Some(gunicorn) = &gunicorn {
            let source = match &found.deps {
                DepsSource::RequirementsFile(_) => "requirements.txt",
                DepsSource::Pyproject(_) => "pyproject.toml",
            };
            warn(&format!(
                "{source} does not list gunicorn, which serves the app in every image; {OWN_REQUIREMENTS} adds `{gunicorn}` to what the images install"
            ));
        }
        let with_gunicorn = |text: String| match &gunicorn {
            Some(gunicorn) => format!(
                "{text}# Added by dockwright: gunicorn serves the app in every image.\n{gunicorn}\n"
            ),
            None => text,
        };
        let own = |text: String, includes: Vec<String>| DepsPlan {
            requirements: OWN_REQUIREMENTS.to_string(),
            text: Some(with_gunicorn(text)),
            includes,
            install_project: found.install_project,
            with_app: false,
        };
        Ok(match (&found.deps, &gunicorn) {
            (DepsSource::RequirementsFile(_), None) => DepsPlan {
                requirements: "requirements.txt".to_string(),
                text: None,
                includes: Vec::new(),
                install_project: found.install_project,
                with_app: false,
            },
            (DepsSource::RequirementsFile(_), Some(_)) => own(
                "# Written by dockwright: the project's requirements.txt, unchanged, and what\n# the images need besides.\n-r requirements.txt\n".to_string(),
                vec!["requirements.txt".to_string()],
            ),
            (DepsSource::Pyproject(reqs), _) => own(
                format!(
                    "# Written by dockwright from pyproject.toml's dependencies, so that the image\n# build installs them in a layer of their own.\n{}",
                    reqs.text
                ),
                Vec::new(),
            ),
        })
    }
}

fn has_gunicorn(reqs: &Requirements) -> bool {
    reqs.names
        .iter()
        .any(|n| n.eq_ignore_ascii_case("gunicorn"))
}

/// Warns about requirements that build but may not behave: unpinned ones,
/// packages pinned twice, and a missing gunicorn, which every Dockerfile's
/// CMD runs, unless dockwright `adds_gunicorn` itself.
fn warn_about(reqs: &Requirements, adds_gunicorn: bool) {
    if !reqs.conflicts.is_empty() {
        warn(&format!(
            "pinned twice to different versions: {}; pip refuses to install both, so keep one pin of each",
            reqs.conflicts.join(", ")
        ));
    }
    if !reqs.unpinned.is_empty() {
        warn(&format!(
            "not pinned with `==`: {}; the images may change from build to build",
            reqs.unpinned.join(", ")
        ));
    }
    if !has_gunicorn(reqs) && !adds_gunicorn {
        warn("the requirements do not include gunicorn, which serves the app in every image; add a pinned `gunicorn` line (with its `--hash` in a hash-checking file)");
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn adopted(deps: DepsSource) -> DepsPlan {
        let found = Found {
            root: PathBuf::from("shop"),
            entries: Vec::new(),
            deps,
            install_project: true,
        };
        let presets = presets::presets().unwrap();
        DepsPlan::adopted(&found, &presets, &PythonVersion::parse("3.13").unwrap()).unwrap()
    }

    #[test]
    fn a_requirements_file_with_gunicorn_is_read_as_it_is() {
        let reqs = Requirements::parse("flask==3.1.0\ngunicorn==23.0.0\n", "requirements.txt");
        let plan = adopted(DepsSource::RequirementsFile(reqs.unwrap()));
        assert_eq!(
            plan,
            DepsPlan {
                requirements: "requirements.txt".into(),
                text: None,
                includes: Vec::new(),
                install_project: true,
                with_app: false,
            }
        );
    }

    #[test]
    fn gunicorn_is_added_beside_a_requirements_file_that_lacks_it() {
        let reqs = Requirements::parse("flask==3.1.0\n", "requirements.txt").unwrap();
        let plan = adopted(DepsSource::RequirementsFile(reqs));
        assert_eq!(plan.requirements, OWN_REQUIREMENTS);
        assert_eq!(plan.includes, ["requirements.txt"]);
        let text = plan.text.unwrap();
        assert!(text.contains("-r requirements.txt\n"), "{text}");
        assert!(text.contains("\ngunicorn=="), "{text}");
    }

    #[test]
    fn pyproject_dependencies_are_written_out() {
        let reqs =
            Requirements::parse("flask==3.1.0\ngunicorn==23.0.0\n", "pyproject.toml").unwrap();
        let plan = adopted(DepsSource::Pyproject(reqs));
        assert_eq!(plan.requirements, OWN_REQUIREMENTS);
        assert!(plan.includes.is_empty());
        assert!(plan
            .text
            .unwrap()
            .ends_with("flask==3.1.0\ngunicorn==23.0.0\n"));
    }
}

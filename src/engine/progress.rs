//! Reading a build's output as it streams: which Dockerfile step is running,
//! which registry digest each base image resolved to, and how long loading
//! the image into the engine's store took.

/// The step a line of build output announces, as `[2/5] RUN pip install ...`.
/// Understands BuildKit's plain progress, the legacy builder and podman.
pub fn step(line: &str) -> Option<String> {
    if let Some(rest) = line.strip_prefix('#') {
        let (_, rest) = rest.split_once(' ')?;
        return rest.starts_with('[').then(|| rest.to_string());
    }
    let rest = line
        .strip_prefix("Step ")
        .or_else(|| line.strip_prefix("STEP "))?;
    let (count, instruction) = rest.split_once(':')?;
    Some(format!("[{}] {}", count.trim(), instruction.trim()))
}

/// The base image a line of BuildKit's plain progress resolved, and the
/// registry digest it resolved to: `#4 [build 1/3] FROM
/// docker.io/library/python:3.13-slim@sha256:...`. A base taken from the
/// engine's own store, unresolved, shows no digest.
pub fn resolved(line: &str) -> Option<(&str, &str)> {
    let (_, rest) = line.strip_prefix('#')?.split_once(' ')?;
    let (_, instruction) = rest.strip_prefix('[')?.split_once("] ")?;
    let reference = instruction
        .strip_prefix("FROM ")?
        .split_whitespace()
        .next()?;
    let (name, digest) = reference.split_once('@')?;
    digest.starts_with("sha256:").then_some((name, digest))
}

/// The steps of BuildKit's plain progress that move a finished image from a
/// builder outside the daemon into the engine's store (`--load`): buildx
/// exports it as a docker image tarball, sends it, and the daemon imports it.
const LOAD_STEPS: [&str; 2] = ["exporting to docker image format", "importing to docker"];

/// Adds up the load steps' durations from BuildKit's plain progress, line by
/// line, so that a build's load is timed apart from the build itself.
#[derive(Debug, Default)]
pub struct LoadClock {
    /// The progress ids (`#12`) of the load steps seen so far.
    steps: Vec<String>,
    seconds: Option<f64>,
}

impl LoadClock {
    pub fn line(&mut self, line: &str) {
        let Some((id, text)) = line.strip_prefix('#').and_then(|rest| rest.split_once(' ')) else {
            return;
        };
        let known = self.steps.iter().any(|step| step == id);
        if LOAD_STEPS.contains(&text.trim()) {
            if !known {
                self.steps.push(id.to_string());
            }
        } else if known {
            let done = text
                .strip_prefix("DONE ")
                .and_then(|d| d.trim().strip_suffix('s'))
                .and_then(|d| d.parse::<f64>().ok());
            if let Some(seconds) = done {
                *self.seconds.get_or_insert(0.0) += seconds;
            }
        }
    }

    /// The seconds the finished load steps took; `None` when the build
    /// loaded nothing (or its load never finished).
    pub fn seconds(&self) -> Option<f64> {
        self.seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The load seconds in a whole build output.
    fn load_of(output: &str) -> Option<f64> {
        let mut clock = LoadClock::default();
        output.lines().for_each(|line| clock.line(line));
        clock.seconds()
    }

    #[test]
    fn builds_that_load_nothing_have_no_load_time() {
        assert_eq!(load_of(include_str!("captured/build-noload.txt")), None);
        assert_eq!(load_of(include_str!("captured/build-default.txt")), None);
    }

    /// buildx 0.13.1 loading from a `remote` builder (buildkitd 0.25.0) into
    /// dockerd 20.10: the export and send took 1.3 s, the import 0.3 s.
    #[test]
    fn a_load_is_its_export_and_its_import() {
        let load = load_of(include_str!("captured/build-load.txt")).unwrap();
        assert!((load - 1.6).abs() < 1e-9, "{load}");
        let unfinished = "#6 exporting to docker image format\n#6 sending tarball\n#6 ERROR: EOF\n";
        assert_eq!(load_of(unfinished), None);
    }

    #[test]
    fn a_base_resolved_in_a_registry_shows_its_digest() {
        let digests = |output: &str| -> Vec<(String, String)> {
            output
                .lines()
                .filter_map(resolved)
                .map(|(name, digest)| (name.to_string(), digest.to_string()))
                .collect()
        };
        assert_eq!(
            digests(include_str!("captured/probe-remote.txt")),
            [(
                "ghcr.io/astral-sh/uv:0.13.9".to_string(),
                "sha256:8c68e2b4ab058283a84b22cd6cfc538a27fea81845a38c72cb936ba036801eca"
                    .to_string()
            )]
        );
        assert_eq!(digests(include_str!("captured/probe-pull.txt")).len(), 1);
        // A base the builder could not resolve shows no FROM line at all.
        assert!(digests(include_str!("captured/probe-unreachable.txt")).is_empty());
        assert_eq!(
            resolved("#9 [build 1/4] FROM docker.io/library/python:3.13-slim@sha256:2661 3"),
            Some(("docker.io/library/python:3.13-slim", "sha256:2661"))
        );
        // Taken from the daemon's store: no digest, nothing resolved.
        assert_eq!(
            resolved("#4 [1/2] FROM docker.io/library/python:3.13-slim"),
            None
        );
        assert!(digests(include_str!("captured/build-default.txt")).is_empty());
    }

    #[test]
    fn reads_each_builders_step_lines() {
        assert_eq!(
            step("#7 [build 3/5] RUN pip install -r requirements.txt"),
            Some("[build 3/5] RUN pip install -r requirements.txt".into())
        );
        assert_eq!(step("#7 DONE 2.3s"), None);
        assert_eq!(step("#7 0.512 Collecting flask"), None);
        assert_eq!(
            step("Step 2/5 : COPY . /app"),
            Some("[2/5] COPY . /app".into())
        );
        assert_eq!(step("STEP 3/7: RUN true"), Some("[3/7] RUN true".into()));
        assert_eq!(step("Collecting flask==3.1.3"), None);
    }
}

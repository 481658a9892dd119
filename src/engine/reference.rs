//! Image references as engines and registries write them: the repository,
//! the tag and the digest of `python:3.13-slim@sha256:...`, and whether two
//! references name the same image.

/// The repository an image reference names, as docker writes it in
/// `RepoDigests`: tag and digest dropped, and Docker Hub's `docker.io/` and
/// `library/` left out (`docker.io/library/python:3.13` is `python`).
pub fn repository(reference: &str) -> &str {
    let name = without_digest(reference);
    let last_slash = name.rfind('/').map_or(0, |at| at + 1);
    let name = match name[last_slash..].rfind(':') {
        Some(colon) => &name[..last_slash + colon],
        None => name,
    };
    ["docker.io/", "index.docker.io/"]
        .iter()
        .find_map(|hub| name.strip_prefix(hub))
        .map_or(name, |path| {
            path.strip_prefix("library/")
                .filter(|rest| !rest.contains('/'))
                .unwrap_or(path)
        })
}

/// The tag of `reference`, `latest` when it names none.
fn tag(reference: &str) -> &str {
    let name = without_digest(reference);
    let last_slash = name.rfind('/').map_or(0, |at| at + 1);
    name[last_slash..]
        .rsplit_once(':')
        .map_or("latest", |(_, tag)| tag)
}

/// The `sha256:...` digest `reference` is pinned to, if it is.
pub fn digest(reference: &str) -> Option<&str> {
    reference
        .split_once('@')
        .map(|(_, digest)| digest)
        .filter(|digest| digest.starts_with("sha256:"))
}

/// `reference` without its `@sha256:...` pin.
pub fn without_digest(reference: &str) -> &str {
    reference
        .split_once('@')
        .map_or(reference, |(name, _)| name)
}

/// Whether `a` and `b` name one image by repository and tag, however each
/// spells Docker Hub and whether or not it carries a digest.
pub fn same_image(a: &str, b: &str) -> bool {
    repository(a) == repository(b) && tag(a) == tag(b)
}

/// `sha256:0123456789ab...` shortened to its first 12 hex digits, as
/// engines show image ids.
pub fn short(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    &hex[..hex.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repository_is_named_as_repo_digests_name_it() {
        for (reference, repo) in [
            ("python:3.13-slim", "python"),
            ("docker.io/library/python:3.13-slim", "python"),
            ("python@sha256:0123", "python"),
            ("docker.io/astral/uv", "astral/uv"),
            ("ghcr.io/astral-sh/uv:0.13.9", "ghcr.io/astral-sh/uv"),
            (
                "127.0.0.1:5000/astral-sh/uv:0.13.9",
                "127.0.0.1:5000/astral-sh/uv",
            ),
            (
                "127.0.0.1:5000/library/python",
                "127.0.0.1:5000/library/python",
            ),
        ] {
            assert_eq!(repository(reference), repo, "{reference}");
        }
    }

    #[test]
    fn the_same_image_is_recognised_however_it_is_spelled() {
        let pinned = "docker.io/library/python:3.13-slim@sha256:26618dfa1e12";
        assert!(same_image("python:3.13-slim", pinned));
        assert!(same_image("python", "docker.io/library/python:latest"));
        assert!(same_image(
            "127.0.0.1:5000/astral-sh/uv:0.13.9",
            "127.0.0.1:5000/astral-sh/uv:0.13.9@sha256:8c68"
        ));
        assert!(!same_image("python:3.13-slim", "python:3.13"));
        assert!(!same_image("python:3.13-slim", "other/python:3.13-slim"));
    }

    #[test]
    fn a_pin_is_read_and_dropped() {
        let pinned = "python:3.13-slim@sha256:26618dfa1e12";
        assert_eq!(digest(pinned), Some("sha256:26618dfa1e12"));
        assert_eq!(without_digest(pinned), "python:3.13-slim");
        assert_eq!(digest("python:3.13-slim"), None);
        assert_eq!(without_digest("python:3.13-slim"), "python:3.13-slim");
        assert_eq!(short("sha256:26618dfa1e128458e56b"), "26618dfa1e12");
    }
}

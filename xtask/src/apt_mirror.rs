//! Which Debian archive this machine's apt reads: debootstrap builds the
//! stand-ins from it, and the engine's Debian 13 packages come from it.

use std::collections::HashMap;

const DEFAULT_MIRROR: &str = "http://deb.debian.org/debian";

/// The Debian archive the host's apt uses: it is known to be reachable from here, unlike
/// deb.debian.org on a machine behind a mirror.
pub fn host_mirror() -> String {
    let mut deb822 = Vec::new();
    let mut one_line = std::fs::read_to_string("/etc/apt/sources.list").unwrap_or_default();
    if let Ok(entries) = std::fs::read_dir("/etc/apt/sources.list.d") {
        let mut paths: Vec<_> = entries.flatten().map(|entry| entry.path()).collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            match path.extension().and_then(|ext| ext.to_str()) {
                Some("sources") => deb822.push(text),
                Some("list") => one_line.push_str(&text),
                _ => {}
            }
        }
    }
    deb822
        .iter()
        .find_map(|text| mirror_from_deb822(text))
        .or_else(|| mirror_from_one_line(&one_line))
        .unwrap_or_else(|| DEFAULT_MIRROR.to_owned())
}

/// The Debian archive proper, not the security archive nor a third-party repository that
/// happens to serve Debian suites (Docker's has `stable` as its component).
fn is_debian_archive(uri: &str, suites: &[&str], components: &[&str]) -> bool {
    (uri.starts_with("http://") || uri.starts_with("https://"))
        && uri.trim_end_matches('/').ends_with("/debian")
        && components.contains(&"main")
        && !suites.iter().any(|suite| suite.ends_with("-security"))
}

fn mirror_from_deb822(text: &str) -> Option<String> {
    let mut stanzas = vec![HashMap::new()];
    for line in text.lines() {
        if line.trim().is_empty() {
            stanzas.push(HashMap::new());
        } else if !line.starts_with('#') && !line.starts_with(char::is_whitespace) {
            if let Some((field, value)) = line.split_once(':') {
                let stanza = stanzas.last_mut().expect("starts with one stanza");
                stanza.insert(field.trim().to_ascii_lowercase(), value.trim());
            }
        }
    }
    stanzas.iter().find_map(|stanza| {
        let words = |field: &str| -> Vec<&str> {
            stanza
                .get(field)
                .map(|value| value.split_whitespace().collect())
                .unwrap_or_default()
        };
        let enabled = stanza.get("enabled") != Some(&"no");
        let (suites, components) = (words("suites"), words("components"));
        let uri = words("uris")
            .into_iter()
            .find(|uri| is_debian_archive(uri, &suites, &components))?;
        (enabled && words("types").contains(&"deb")).then(|| uri.trim_end_matches('/').to_owned())
    })
}

fn mirror_from_one_line(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let mut words = line.split_whitespace().peekable();
        if words.next() != Some("deb") {
            return None;
        }
        if words.peek().is_some_and(|word| word.starts_with('[')) {
            for word in words.by_ref() {
                if word.ends_with(']') {
                    break;
                }
            }
        }
        let uri = words.next()?;
        let suite = words.next()?;
        let components: Vec<&str> = words.collect();
        is_debian_archive(uri, &[suite], &components).then(|| uri.trim_end_matches('/').to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN_12_SOURCES: &str = "\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
";

    #[test]
    fn the_main_archive_of_a_deb822_file_is_the_mirror() {
        assert_eq!(
            mirror_from_deb822(DEBIAN_12_SOURCES).as_deref(),
            Some("http://mirror.example/debian")
        );
    }

    #[test]
    fn security_and_third_party_repositories_are_not_mirrors() {
        let docker = "Types: deb\nURIs: https://download.docker.com/linux/debian\n\
                      Suites: bookworm\nComponents: stable\n";
        let security = "Types: deb\nURIs: http://deb.debian.org/debian-security\n\
                        Suites: bookworm-security\nComponents: main\n";
        let disabled = "Enabled: no\nTypes: deb\nURIs: http://x.example/debian\n\
                        Suites: bookworm\nComponents: main\n";
        assert_eq!(mirror_from_deb822(docker), None);
        assert_eq!(mirror_from_deb822(security), None);
        assert_eq!(mirror_from_deb822(disabled), None);
    }

    #[test]
    fn one_line_sources_are_read_with_their_options() {
        let text = "# deb http://old.example/debian bookworm main\n\
                    deb-src http://src.example/debian bookworm main\n\
                    deb [arch=amd64 signed-by=/k.gpg] https://m.example/debian bookworm main contrib\n";
        assert_eq!(
            mirror_from_one_line(text).as_deref(),
            Some("https://m.example/debian")
        );
    }
}

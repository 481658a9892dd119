//! The platform images are built for (`--platform`, `[engine] platform`):
//! `os/arch[/variant]` as docker and podman take it, and whether building
//! for it on this machine runs under emulation, which makes its timings
//! say little about a native build.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A platform such as `linux/arm64` or `linux/arm/v7`, checked when read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Platform(String);

impl Platform {
    pub fn parse(value: &str) -> Result<Platform, String> {
        let parts: Vec<&str> = value.split('/').collect();
        let plain = |part: &&str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        if (2..=3).contains(&parts.len()) && parts.iter().all(plain) {
            Ok(Platform(value.to_string()))
        } else {
            Err(format!(
                "`{}` is not a platform; write it as os/arch or os/arch/variant in lower case, such as linux/arm64 or linux/arm/v7",
                value.escape_debug()
            ))
        }
    }

    /// The architecture in docker's words (`aarch64` is `arm64`, `x86_64` is
    /// `amd64`), to compare with the host's.
    pub fn arch(&self) -> &str {
        docker_arch(self.0.split('/').nth(1).unwrap_or_default())
    }

    /// Whether building for it here runs under emulation: its architecture
    /// is not the host's.
    pub fn emulated(&self) -> bool {
        self.arch() != host_arch()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Platform {
    type Error = String;

    fn try_from(value: String) -> Result<Platform, String> {
        Platform::parse(&value)
    }
}

impl From<Platform> for String {
    fn from(platform: Platform) -> String {
        platform.0
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// This machine's architecture in docker's words: `amd64`, `arm64`, ...
pub fn host_arch() -> &'static str {
    docker_arch(std::env::consts::ARCH)
}

/// The name docker gives the architecture that `arch` names, by Rust's,
/// the kernel's or docker's own name.
fn docker_arch(arch: &str) -> &str {
    match arch {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_arch_and_an_optional_variant_are_platforms() {
        for value in [
            "linux/arm64",
            "linux/amd64",
            "linux/arm/v7",
            "linux/arm64/v8",
        ] {
            assert_eq!(Platform::parse(value).unwrap().as_str(), value);
        }
    }

    #[test]
    fn anything_else_is_refused_with_the_form_to_write() {
        for value in [
            "",
            "arm64",
            "linux/",
            "/arm64",
            "linux//v7",
            "linux/arm/v7/extra",
            "Linux/ARM64",
            "linux/arm64 ",
            "linux/arm64,linux/amd64",
            "linux/$(reboot)",
        ] {
            let err = Platform::parse(value).unwrap_err();
            assert!(
                err.contains("os/arch") && err.contains("such as linux/arm64"),
                "{value:?}: {err}"
            );
        }
    }

    #[test]
    fn the_architecture_is_compared_in_dockers_words() {
        let arm = Platform::parse("linux/arm64").unwrap();
        let aarch = Platform::parse("linux/aarch64").unwrap();
        assert_eq!(arm.arch(), "arm64");
        assert_eq!(aarch.arch(), "arm64");
        assert_eq!(Platform::parse("linux/x86_64").unwrap().arch(), "amd64");
        let host = Platform::parse(&format!("linux/{}", host_arch())).unwrap();
        assert!(!host.emulated());
        let other = if host_arch() == "arm64" {
            "amd64"
        } else {
            "arm64"
        };
        assert!(Platform::parse(&format!("linux/{other}"))
            .unwrap()
            .emulated());
        assert_eq!(arm.emulated(), aarch.emulated());
    }

    #[test]
    fn a_platform_reads_from_toml_only_when_well_formed() {
        #[derive(Debug, Deserialize)]
        struct Table {
            platform: Platform,
        }
        let table: Table = toml::from_str("platform = \"linux/arm64\"").unwrap();
        assert_eq!(table.platform.as_str(), "linux/arm64");
        let err = toml::from_str::<Table>("platform = \"arm64\"").unwrap_err();
        assert!(err.to_string().contains("os/arch"), "{err}");
    }
}

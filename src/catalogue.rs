//! The variant catalogue (scaffolds/variants.toml): which Dockerfiles exist,
//! why each one is there, and the profiles that order them into ladders.

use anyhow::Context;
use serde::Deserialize;

use crate::error::UserError;
use crate::templates;

#[derive(Debug, Deserialize)]
pub struct Catalogue {
    #[serde(rename = "profile")]
    pub profiles: Vec<Profile>,
    #[serde(rename = "variant")]
    pub variants: Vec<Variant>,
}

#[derive(Debug, Deserialize)]
pub struct Profile {
    pub name: String,
    pub about: String,
    pub variants: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Variant {
    pub name: String,
    pub reason: String,
}

impl Variant {
    /// The embedded template of this variant's Dockerfile.
    pub fn template_path(&self) -> String {
        format!("variants/{}/Dockerfile", self.name)
    }

    /// Where the generated Dockerfile goes, relative to the project root.
    pub fn dockerfile_path(&self) -> String {
        format!("dockerfiles/{}.Dockerfile", self.name)
    }

    /// What this step changes and why it matters, for `dockwright explain`:
    /// the embedded scaffolds/variants/NAME/explain.md, kept beside the
    /// Dockerfile so that both are edited together.
    pub fn explanation(&self) -> anyhow::Result<&'static str> {
        templates::embedded(&format!("variants/{}/explain.md", self.name))
    }
}

pub const DEFAULT_PROFILE: &str = "balanced";

impl Catalogue {
    pub fn load() -> anyhow::Result<Catalogue> {
        toml::from_str(templates::embedded("variants.toml")?)
            .context("the embedded scaffolds/variants.toml does not parse")
    }

    pub fn profile(&self, name: &str) -> Result<&Profile, UserError> {
        self.profiles
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                UserError::new(format!(
                    "unknown profile `{name}`; use one of {}",
                    self.profile_names().join(", ")
                ))
            })
    }

    pub fn profile_names(&self) -> Vec<&str> {
        self.profiles.iter().map(|p| p.name.as_str()).collect()
    }

    /// The variant called `name`, if dockwright generates one.
    pub fn variant(&self, name: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.name == name)
    }

    /// The variants of `profile`, in ladder order.
    pub fn ladder(&self, profile: &Profile) -> anyhow::Result<Vec<&Variant>> {
        profile
            .variants
            .iter()
            .map(|name| {
                self.variant(name).with_context(|| {
                    format!("profile `{}` names unknown variant `{name}`", profile.name)
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_names_known_variants_with_templates() {
        let catalogue = Catalogue::load().unwrap();
        assert!(catalogue.profile(DEFAULT_PROFILE).is_ok());
        for profile in &catalogue.profiles {
            let ladder = catalogue.ladder(profile).unwrap();
            assert!(ladder.len() >= 2, "profile {} is too short", profile.name);
            for variant in ladder {
                templates::embedded(&variant.template_path()).unwrap();
            }
        }
    }

    #[test]
    fn every_variant_is_explained() {
        let catalogue = Catalogue::load().unwrap();
        for variant in &catalogue.variants {
            let text = variant.explanation().unwrap();
            assert!(
                !text.trim().is_empty(),
                "{} has an empty explain.md",
                variant.name
            );
        }
    }

    #[test]
    fn the_article_profile_is_the_articles_ladder() {
        let catalogue = Catalogue::load().unwrap();
        let article = catalogue.profile("article").unwrap();
        assert_eq!(
            article.variants,
            [
                "baseline",
                "requirements-first",
                "no-pip-cache",
                "slim",
                "from-source",
                "alpine"
            ]
        );
    }

    #[test]
    fn an_unknown_profile_names_the_known_ones() {
        let catalogue = Catalogue::load().unwrap();
        let err = catalogue.profile("fast").unwrap_err().to_string();
        assert!(
            err.contains("unknown profile `fast`") && err.contains("balanced"),
            "{err}"
        );
    }
}

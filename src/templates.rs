//! The embedded templates under scaffolds/ and their strict filling: a
//! placeholder with no value is an error, never an empty string. (`render`,
//! elsewhere, lays out output; here templates are filled.)

use anyhow::{anyhow, Context};
use include_dir::{include_dir, Dir};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

static SCAFFOLDS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/scaffolds");

/// The text of an embedded file, by its path under scaffolds/.
pub fn embedded(path: &str) -> anyhow::Result<&'static str> {
    SCAFFOLDS
        .get_file(path)
        .and_then(|file| file.contents_utf8())
        .ok_or_else(|| anyhow!("dockwright was built without the template `scaffolds/{path}`"))
}

/// Fills the embedded template at `path` with `context`.
pub fn fill(path: &str, context: &impl Serialize) -> anyhow::Result<String> {
    fill_str(path, embedded(path)?, context)
}

/// Fills template `source`, named `name` in error messages.
pub fn fill_str(name: &str, source: &str, context: &impl Serialize) -> anyhow::Result<String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_filter("toml", to_toml);
    env.add_filter("dockerfile_quote", dockerfile_quote);
    // `{% include %}` reads the other embedded templates, such as the
    // stages that two variants share.
    env.set_loader(|name| {
        Ok(SCAFFOLDS
            .get_file(name)
            .and_then(|file| file.contents_utf8())
            .map(str::to_string))
    });
    env.set_syntax(
        SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()?,
    );
    env.add_template(name, source)
        .with_context(|| format!("template `scaffolds/{name}` does not parse"))?;
    env.get_template(name)
        .and_then(|template| template.render(Value::from(Serde(context))))
        .with_context(|| format!("template `scaffolds/{name}` does not render"))
}

/// The `dockerfile_quote` filter: a string as one double-quoted Dockerfile
/// word (for `ENV`), with no variable expansion and no way out of the quotes.
fn dockerfile_quote(value: &str) -> String {
    let mut quoted = String::from("\"");
    for c in value.chars() {
        if matches!(c, '"' | '\\' | '$') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// The `toml` filter: a value written as TOML, so that dockwright.toml stays
/// valid whatever a string holds.
fn to_toml(value: Value) -> Result<String, minijinja::Error> {
    toml::Value::try_from(&value)
        .map(|v| v.to_string())
        .map_err(|err| {
            minijinja::Error::new(minijinja::ErrorKind::BadSerialization, err.to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Ctx {
        name: &'static str,
    }

    #[test]
    fn fills_placeholders() {
        let out = fill_str("t", "hi {{ name }}\n", &Ctx { name: "x" }).unwrap();
        assert_eq!(out, "hi x\n");
    }

    #[test]
    fn writes_toml_values_that_read_back() {
        let name = "it's \"x\" \\ y";
        let out = fill_str("t", "a = {{ name | toml }}\n", &Ctx { name }).unwrap();
        let table: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(table["a"].as_str(), Some(name));
    }

    #[test]
    fn a_placeholder_with_no_value_is_an_error() {
        let err = fill_str("t", "hi {{ nmae }}", &Ctx { name: "x" }).unwrap_err();
        assert!(format!("{err:#}").contains("undefined"), "{err:#}");
        let err = fill_str("t", "{% if nmae %}x{% endif %}", &Ctx { name: "x" }).unwrap_err();
        assert!(format!("{err:#}").contains("undefined"), "{err:#}");
    }
}

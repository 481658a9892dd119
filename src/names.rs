//! Project names: the rules, checked in a fixed order as cargo does, and the
//! normalisation of names that are only a little off.

use std::fmt;

use crate::error::printable;

/// The longest name accepted; image references and directory names stay readable.
pub const MAX_LEN: usize = 64;

const WINDOWS_RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Why a name was refused. Each message names the rule and a way out.
#[derive(Debug, PartialEq, Eq)]
pub enum NameError {
    Empty,
    StartsWithDigit(String),
    StartsWithPunctuation(String),
    BadCharacter(String, char),
    DotDot(String),
    BadSeparator(String, String),
    EndsWithPunctuation(String),
    WindowsReserved(String),
    TooLong(String),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(
                f,
                "the project name is empty; give one that starts with a letter and goes on with letters, digits and separators, such as `hello` or `my-app`"
            ),
            NameError::StartsWithDigit(name) => write!(
                f,
                "the project name `{}` cannot start with a digit; {}",
                printable(name),
                suggest("try", &[format!("app-{}", tidy(name))])
            ),
            NameError::StartsWithPunctuation(name) => write!(
                f,
                "the project name `{}` must start with a letter; {}",
                printable(name),
                suggest("try", &[tidy(name), format!("app-{}", tidy(name))])
            ),
            NameError::BadCharacter(name, c) => write!(
                f,
                "the project name `{}` contains {}, which is not allowed; use letters, digits, `-`, `_` and `.`",
                printable(name),
                describe(*c)
            ),
            NameError::DotDot(name) => write!(
                f,
                "the project name `{}` contains `..`, which is not allowed; use single separators",
                printable(name)
            ),
            NameError::BadSeparator(name, run) => write!(
                f,
                "the project name `{}` has `{run}` between words, which an image name cannot hold (one `.`, one or two `_`, or dashes); {}",
                printable(name),
                suggest("try", &[tidy(name)])
            ),
            NameError::EndsWithPunctuation(name) => write!(
                f,
                "the project name `{}` must end with a letter or a digit, as an image name does; {}",
                printable(name),
                suggest("try", &[tidy(name), format!("{}-app", tidy(name))])
            ),
            NameError::WindowsReserved(name) => write!(
                f,
                "the project name `{}` is reserved on Windows; {}",
                printable(name),
                suggest("pick another, such as", &[format!("{}-app", tidy(name).replace('.', "-"))])
            ),
            NameError::TooLong(name) => write!(
                f,
                "the project name is {} characters long, over the limit of {MAX_LEN}; pick a shorter one",
                name.chars().count()
            ),
        }
    }
}

impl std::error::Error for NameError {}

/// "`lead` `name`" with the first candidate that passes every rule, or with
/// `app`, which always does.
fn suggest(lead: &str, candidates: &[String]) -> String {
    let name = candidates
        .iter()
        .find_map(|c| validate(c).ok())
        .map_or_else(|| "app".to_string(), |valid| valid.name);
    format!("{lead} `{name}`")
}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".to_string(),
        '/' | '\\' => format!("a path separator `{c}`"),
        c if c.is_control() => format!("a control character `{}`", c.escape_default()),
        c => format!("`{c}`"),
    }
}

/// The nearest name an image reference can hold: lowercase, punctuation
/// trimmed from both ends, and each run of separators that Docker refuses
/// (`___`, `._`, `-.`) made a single `-`.
fn tidy(name: &str) -> String {
    let name = name.to_lowercase();
    let trimmed = name.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    let mut tidied = String::new();
    for (word, run) in words(trimmed) {
        tidied.push_str(word);
        if !run.is_empty() {
            tidied.push_str(if separator_allowed(run) { run } else { "-" });
        }
    }
    tidied
}

/// `name` cut into its alphanumeric words, each with the run of other
/// characters that follows it.
fn words(name: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = name;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let word_end = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let (word, after) = rest.split_at(word_end);
        let run_end = after
            .find(|c: char| c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        let (run, next) = after.split_at(run_end);
        rest = next;
        Some((word, run))
    })
}

/// Docker's rule for what may stand between two words of a repository
/// name: one `.`, one or two `_`, or any number of `-`.
fn separator_allowed(run: &str) -> bool {
    matches!(run, "." | "_" | "__") || (!run.is_empty() && run.chars().all(|c| c == '-'))
}

/// A name that passed every rule, and whether it had to be changed to pass.
#[derive(Debug, PartialEq, Eq)]
pub struct ValidName {
    pub name: String,
    pub normalised_from: Option<String>,
}

/// Checks `raw` against the rules, lowering its case first: image references
/// must be lowercase, and `MyApp` is clearly meant as `myapp`.
pub fn validate(raw: &str) -> Result<ValidName, NameError> {
    let name = raw.to_lowercase();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    let first = name.chars().next().unwrap_or_default();
    if first.is_ascii_digit() {
        return Err(NameError::StartsWithDigit(raw.to_string()));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(NameError::BadCharacter(raw.to_string(), c));
    }
    if name.contains("..") {
        return Err(NameError::DotDot(raw.to_string()));
    }
    if !first.is_ascii_alphabetic() {
        return Err(NameError::StartsWithPunctuation(raw.to_string()));
    }
    // The image tag is `<name>:<variant>`, so the name must also be a valid
    // repository component.
    if !name.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(NameError::EndsWithPunctuation(raw.to_string()));
    }
    if let Some((_, run)) = words(&name).find(|(_, run)| !run.is_empty() && !separator_allowed(run))
    {
        return Err(NameError::BadSeparator(raw.to_string(), run.to_string()));
    }
    let stem = name.split('.').next().unwrap_or_default();
    if WINDOWS_RESERVED.contains(&stem) {
        return Err(NameError::WindowsReserved(raw.to_string()));
    }
    if name.chars().count() > MAX_LEN {
        return Err(NameError::TooLong(raw.to_string()));
    }
    let normalised_from = (name != raw).then(|| raw.to_string());
    Ok(ValidName {
        name,
        normalised_from,
    })
}

/// Docker's grammar for a path component, written out independently of
/// `validate` (the tests check one against the other), for the repositories
/// users name: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
pub(crate) fn is_repository_component(name: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let ends_ok = name.starts_with(alnum) && name.ends_with(alnum);
    let only_allowed_chars = name
        .chars()
        .all(|c| alnum(c) || matches!(c, '.' | '_' | '-'));
    let separators_ok = name
        .split(alnum)
        .filter(|run| !run.is_empty())
        .all(|run| matches!(run, "." | "_" | "__") || run.chars().all(|c| c == '-'));
    ends_ok && only_allowed_chars && separators_ok
}

/// The name a refusal suggests instead, for the tests that check it passes.
#[cfg(test)]
pub(crate) fn suggestion(message: &str) -> Option<&str> {
    ["try `", "such as `"].iter().find_map(|lead| {
        let start = message.find(lead)? + lead.len();
        message[start..].split('`').next()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_names() {
        for name in ["hello", "my-app", "my_app", "app2", "a.b"] {
            assert_eq!(validate(name).unwrap().name, name);
            assert_eq!(validate(name).unwrap().normalised_from, None);
        }
    }

    #[test]
    fn lowers_uppercase_and_remembers_the_original() {
        let valid = validate("MyApp").unwrap();
        assert_eq!(valid.name, "myapp");
        assert_eq!(valid.normalised_from.as_deref(), Some("MyApp"));
    }

    #[test]
    fn refuses_each_rule_with_its_own_error() {
        assert_eq!(validate(""), Err(NameError::Empty));
        assert!(matches!(
            validate("1app"),
            Err(NameError::StartsWithDigit(_))
        ));
        assert!(matches!(
            validate("-app"),
            Err(NameError::StartsWithPunctuation(_))
        ));
        assert!(matches!(
            validate("_app"),
            Err(NameError::StartsWithPunctuation(_))
        ));
        assert!(matches!(
            validate("my app"),
            Err(NameError::BadCharacter(_, ' '))
        ));
        assert!(matches!(
            validate("a/b"),
            Err(NameError::BadCharacter(_, '/'))
        ));
        assert!(matches!(validate("a..b"), Err(NameError::DotDot(_))));
        for name in ["myapp-", "myapp.", "a_", "a__", "a-_"] {
            assert_eq!(
                validate(name),
                Err(NameError::EndsWithPunctuation(name.to_string())),
                "{name}"
            );
        }
        for (name, run) in [
            ("a___b", "___"),
            ("a._b", "._"),
            ("a-.b", "-."),
            ("a_-b", "_-"),
        ] {
            assert_eq!(
                validate(name),
                Err(NameError::BadSeparator(name.to_string(), run.to_string())),
                "{name}"
            );
        }
        assert!(matches!(validate(".."), Err(NameError::DotDot(_))));
        assert!(matches!(
            validate("con"),
            Err(NameError::WindowsReserved(_))
        ));
        assert!(matches!(
            validate("COM1"),
            Err(NameError::WindowsReserved(_))
        ));
        assert!(matches!(
            validate("nul.txt"),
            Err(NameError::WindowsReserved(_))
        ));
        assert!(matches!(
            validate(&"a".repeat(65)),
            Err(NameError::TooLong(_))
        ));
        assert!(validate(&"a".repeat(64)).is_ok());
    }

    /// Every name over a small alphabet that holds each kind of mistake, up
    /// to five characters: a refused one's suggestion passes, and an
    /// accepted one is a valid image repository component.
    #[test]
    fn every_suggestion_passes_and_every_accepted_name_is_an_image_name() {
        let alphabet = ['a', 'C', '1', '-', '_', '.', ' '];
        let mut names = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = names
                .iter()
                .filter(|name| name.len() == names.last().map_or(0, String::len))
                .flat_map(|name| alphabet.iter().map(move |c| format!("{name}{c}")))
                .collect();
            names.extend(longer);
        }
        names.extend(["con-", "con.", "nul_", "1con", "a___", "_con_"].map(String::from));
        for name in &names {
            match validate(name) {
                Ok(valid) => assert!(is_repository_component(&valid.name), "{name:?}"),
                Err(err) => {
                    let message = err.to_string();
                    if let Some(suggestion) = suggestion(&message) {
                        assert!(validate(suggestion).is_ok(), "{name:?}: {message}");
                    }
                }
            }
        }
    }

    #[test]
    fn control_characters_are_escaped_in_messages() {
        for name in ["a\x1b[31mb", "1\x07", "\x1b]0;title\x07x"] {
            let message = validate(name).unwrap_err().to_string();
            assert!(!message.chars().any(char::is_control), "{message:?}");
            assert!(message.contains("\\u{"), "{message:?}");
        }
    }

    #[test]
    fn suggestions_pass_the_rules() {
        for name in [
            "_1app", "_", "-", "1abc", "nul.txt", "con", "__x", "myapp-", "a___b",
        ] {
            let message = validate(name).unwrap_err().to_string();
            let advice = message.split_once("; ").unwrap().1;
            let suggestion = advice.split('`').nth(1).unwrap();
            assert!(validate(suggestion).is_ok(), "{name}: {message}");
        }
        assert!(validate("con")
            .unwrap_err()
            .to_string()
            .contains("such as `con-app`"));
    }

    #[test]
    fn messages_are_one_sentence_with_a_way_out() {
        let message = validate("my app").unwrap_err().to_string();
        assert!(message.contains("a space"), "{message}");
        assert!(message.contains("use letters"), "{message}");
        assert!(!message.contains('\n'));
    }
}

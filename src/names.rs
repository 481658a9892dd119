//! Project names: the rules, checked in a fixed order as cargo does, and the
//! normalisation of names that are only a little off.

use std::fmt;

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
    WindowsReserved(String),
    TooLong(String),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(f, "the project name cannot be empty; pass one with `--name`"),
            NameError::StartsWithDigit(name) => write!(
                f,
                "the project name `{name}` cannot start with a digit; {}",
                suggest("try", &[format!("app-{name}")])
            ),
            NameError::StartsWithPunctuation(name) => write!(
                f,
                "the project name `{name}` must start with a letter; {}",
                suggest("try", &{
                    let trimmed = name.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
                    [trimmed.to_string(), format!("app-{trimmed}")]
                })
            ),
            NameError::BadCharacter(name, c) => write!(
                f,
                "the project name `{name}` contains {}, which is not allowed; use letters, digits, `-`, `_` and `.`",
                describe(*c)
            ),
            NameError::DotDot(name) => write!(
                f,
                "the project name `{name}` contains `..`, which is not allowed; use single separators"
            ),
            NameError::WindowsReserved(name) => write!(
                f,
                "the project name `{name}` is reserved on Windows; {}",
                suggest("pick another, such as", &[format!("{}-app", name.replace('.', "-"))])
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
        c if c.is_control() => "a control character".to_string(),
        c => format!("`{c}`"),
    }
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

    #[test]
    fn suggestions_pass_the_rules() {
        for name in ["_1app", "_", "-", "1abc", "nul.txt", "con", "__x"] {
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

//! Command lines as a person would type them into a POSIX shell, for logs,
//! saved runs and `cargo xtask`'s announcements. Only for showing: dockwright
//! runs every command as an argument list, never through a shell.

use std::borrow::Cow;

/// `word` as one shell word: as it is when a shell would not split or expand
/// it, else in single quotes.
///
/// An allow-list rather than shell-words' `quote`: that one leaves `!`, `{`
/// and non-ASCII bare and quotes `=`, `:`, `@` and `%`, so `-t hello:uv` and
/// `--label dockwright.project=hello`, in every saved run, would gain quotes.
pub fn quote(word: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
    }
}

/// `words` quoted and joined by spaces.
pub fn join<I, S>(words: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    words
        .into_iter()
        .map(|word| quote(word.as_ref()).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_a_shell_would_split_or_expand() {
        assert_eq!(
            join([
                "docker",
                "build",
                "-t",
                "hello:uv",
                "--label",
                "dockwright.project=hello",
                "CMD [\"python3\"]",
                "it's",
                "",
                "$HOME",
                "a!b",
                "{a,b}",
                "é",
            ]),
            r#"docker build -t hello:uv --label dockwright.project=hello 'CMD ["python3"]' 'it'\''s' '' '$HOME' 'a!b' '{a,b}' 'é'"#
        );
    }

    #[test]
    fn a_quoted_word_reads_back_as_itself() {
        for word in ["it's", "", "a b", "'", "x'\"y", "tab\there", "new\nline"] {
            let back = shell_words::split(&quote(word)).expect("a quoted word parses");
            assert_eq!(back, [word], "{word:?} quoted as {}", quote(word));
        }
    }
}

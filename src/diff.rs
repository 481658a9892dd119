//! What one Dockerfile changes against another, as unified-diff lines that
//! each renderer (a coloured terminal, HTML) lays out its own way.

use similar::{ChangeTag, TextDiff};

/// How many unchanged lines to show around each change.
const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A hunk header, such as `@@ -1,4 +1,5 @@`.
    Hunk,
    Context,
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: Kind,
    /// The line without its trailing newline, and without the `+`/`-`/` ` mark.
    pub text: String,
}

/// The unified diff from `old` to `new`; empty when they are equal.
pub fn lines(old: &str, new: &str) -> Vec<Line> {
    let diff = TextDiff::from_lines(old, new);
    let mut out = Vec::new();
    for group in diff.grouped_ops(CONTEXT) {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let old_range = first.old_range().start..last.old_range().end;
        let new_range = first.new_range().start..last.new_range().end;
        out.push(Line {
            kind: Kind::Hunk,
            text: format!(
                "@@ -{},{} +{},{} @@",
                old_range.start + 1,
                old_range.len(),
                new_range.start + 1,
                new_range.len()
            ),
        });
        for op in &group {
            for change in diff.iter_changes(op) {
                let kind = match change.tag() {
                    ChangeTag::Equal => Kind::Context,
                    ChangeTag::Insert => Kind::Added,
                    ChangeTag::Delete => Kind::Removed,
                };
                out.push(Line {
                    kind,
                    text: change.value().trim_end_matches(['\n', '\r']).to_string(),
                });
            }
        }
    }
    out
}

/// The mark a unified diff puts before each kind of line.
pub fn mark(kind: Kind) -> &'static str {
    match kind {
        Kind::Hunk => "",
        Kind::Context => " ",
        Kind::Added => "+",
        Kind::Removed => "-",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert!(lines("FROM a\nRUN b\n", "FROM a\nRUN b\n").is_empty());
    }

    #[test]
    fn a_changed_line_is_removed_then_added_under_a_hunk_header() {
        let diff = lines("FROM a\nRUN b\nCMD c\n", "FROM a\nRUN x\nCMD c\n");
        let shown: Vec<String> = diff
            .iter()
            .map(|l| format!("{}{}", mark(l.kind), l.text))
            .collect();
        assert_eq!(
            shown,
            ["@@ -1,3 +1,3 @@", " FROM a", "-RUN b", "+RUN x", " CMD c"]
        );
    }

    #[test]
    fn far_apart_changes_get_their_own_hunks() {
        let old: String = (0..20).map(|i| format!("line {i}\n")).collect();
        let new = old
            .replace("line 1\n", "line one\n")
            .replace("line 18\n", "line eighteen\n");
        let hunks = lines(&old, &new)
            .iter()
            .filter(|l| l.kind == Kind::Hunk)
            .count();
        assert_eq!(hunks, 2);
    }
}

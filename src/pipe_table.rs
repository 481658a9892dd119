//! GitHub-flavoured Markdown pipe tables, written one way for the report,
//! `compare` and the benchmarks page (`cargo xtask bench`).

/// Which side of its column a cell's text keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    /// Figures, so that they line up on their units.
    Right,
}

/// The table of `columns` (title and alignment) and `rows`, one line each,
/// without a trailing newline. Every cell is put on one line and its pipes
/// escaped: either would end the cell or the row early.
pub fn render<R, C>(columns: &[(&str, Align)], rows: R) -> String
where
    R: IntoIterator,
    R::Item: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let mut lines = vec![
        line(columns.iter().map(|(title, _)| cell(title))),
        line(columns.iter().map(|(_, align)| {
            match align {
                Align::Left => "---",
                Align::Right => "---:",
            }
            .to_string()
        })),
    ];
    lines.extend(
        rows.into_iter()
            .map(|row| line(row.into_iter().map(|c| cell(c.as_ref())))),
    );
    lines.join("\n")
}

/// `text` on one line, as a table cell or a list item must be.
pub fn one_line(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join(" ")
}

fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

fn line(cells: impl Iterator<Item = String>) -> String {
    format!("| {} |", cells.collect::<Vec<_>>().join(" | "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_align_right_and_pipes_stay_inside_their_cell() {
        let table = render(
            &[("variant", Align::Left), ("size", Align::Right)],
            [["a|b", "1 MB"], ["two\nlines", "2 MB"]],
        );
        assert_eq!(
            table,
            "| variant | size |\n| --- | ---: |\n| a\\|b | 1 MB |\n| two lines | 2 MB |"
        );
    }
}

//! A run judged against its budgets, written for people (a table, Markdown
//! for a CI summary), for scripts (JSON) and for CI systems (JUnit XML,
//! GitHub workflow commands).

use comfy_table::{Cell, CellAlignment, Table};
use console::Style;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use quick_xml::Writer;
use serde::Serialize;

use super::Judged;

/// The verdict in one line, below every form of the table.
pub fn verdict(judged: &[Judged]) -> String {
    let broken = judged.iter().filter(|j| !j.passed).count();
    if broken == 0 {
        format!("All {} budget(s) hold.", judged.len())
    } else {
        format!("{broken} of {} budget(s) broken.", judged.len())
    }
}

fn status(judged: &Judged) -> &'static str {
    match (judged.passed, &judged.reason) {
        (true, _) => "pass",
        (false, None) => "fail",
        (false, Some(_)) => "broken",
    }
}

/// A table for the terminal, with the reasons of budgets that could not be
/// judged below it, and the verdict.
pub fn table(judged: &[Judged], colour: bool) -> String {
    let mut table = Table::new();
    table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(["variant", "budget", "value", "limit", "", "margin"]);
    for j in judged {
        let [value, limit, margin] = &j.shown;
        let style = match (colour, j.passed) {
            (false, _) => Style::new(),
            (true, true) => Style::new().green(),
            (true, false) => Style::new().red().bold(),
        };
        table.add_row(vec![
            Cell::new(&j.variant),
            Cell::new(&j.budget),
            Cell::new(value).set_alignment(CellAlignment::Right),
            Cell::new(limit).set_alignment(CellAlignment::Right),
            Cell::new(style.apply_to(status(j)).to_string()),
            Cell::new(margin).set_alignment(CellAlignment::Right),
        ]);
    }
    let mut lines = vec![table.to_string()];
    lines.extend(
        judged
            .iter()
            .filter(|j| j.reason.is_some())
            .map(Judged::sentence),
    );
    lines.push(verdict(judged));
    lines.join("\n")
}

/// The same table in Markdown, for `GITHUB_STEP_SUMMARY` and the like.
pub fn markdown(judged: &[Judged]) -> String {
    let cell = |text: &str| text.replace('|', "\\|");
    let mut lines = vec![
        "| variant | budget | value | limit | verdict | margin |".to_string(),
        "|---|---|---:|---:|---|---:|".to_string(),
    ];
    for j in judged {
        let [value, limit, margin] = &j.shown;
        lines.push(format!(
            "| {} | `{}` | {} | {} | {} | {} |",
            cell(&j.variant),
            j.budget,
            cell(value),
            cell(limit),
            status(j),
            cell(margin)
        ));
    }
    lines.push(String::new());
    lines.extend(
        judged
            .iter()
            .filter(|j| j.reason.is_some())
            .map(|j| format!("- {}", cell(&j.sentence()))),
    );
    lines.push(format!("**{}**", verdict(judged)));
    lines.join("\n")
}

#[derive(Serialize)]
struct Document<'a> {
    passed: bool,
    /// The saved run that was judged.
    run: &'a str,
    budgets: &'a [Judged],
}

pub fn json(judged: &[Judged], run: &str) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&Document {
        passed: judged.iter().all(|j| j.passed),
        run,
        budgets: judged,
    })
}

/// JUnit XML: one testsuite, one testcase per variant and budget, named
/// `variant` (class) and `budget`; a broken budget carries a `<failure>`
/// whose message is its sentence.
pub fn junit(judged: &[Judged]) -> std::io::Result<String> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let failures = judged.iter().filter(|j| !j.passed).count();
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let (tests, failures) = (judged.len().to_string(), failures.to_string());
    let suite_attributes = [
        ("name", "dockwright budgets"),
        ("tests", tests.as_str()),
        ("failures", failures.as_str()),
        ("errors", "0"),
    ];
    writer.write_event(Event::Start(
        BytesStart::new("testsuites").with_attributes(suite_attributes),
    ))?;
    writer.write_event(Event::Start(
        BytesStart::new("testsuite").with_attributes(suite_attributes),
    ))?;
    for j in judged {
        let case = BytesStart::new("testcase").with_attributes([
            ("classname", j.variant.as_str()),
            ("name", j.budget.as_str()),
        ]);
        if j.passed {
            writer.write_event(Event::Empty(case))?;
            continue;
        }
        writer.write_event(Event::Start(case))?;
        let sentence = j.sentence();
        writer
            .create_element("failure")
            .with_attributes([("message", sentence.as_str()), ("type", status(j))])
            .write_text_content(quick_xml::events::BytesText::new(&sentence))?;
        writer.write_event(Event::End(BytesEnd::new("testcase")))?;
    }
    writer.write_event(Event::End(BytesEnd::new("testsuite")))?;
    writer.write_event(Event::End(BytesEnd::new("testsuites")))?;
    String::from_utf8(writer.into_inner())
        .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))
}

/// GitHub Actions' `::error` workflow command for each broken budget, its
/// text escaped as the runner reads it (`%`, CR and LF as `%25`, `%0D`,
/// `%0A`).
pub fn github_errors(judged: &[Judged]) -> Vec<String> {
    let escape = |text: &str| {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    judged
        .iter()
        .filter(|j| !j.passed)
        .map(|j| {
            format!(
                "::error title=dockwright budget {}::{}",
                escape(&j.budget).replace(',', "%2C").replace(':', "%3A"),
                escape(&j.sentence())
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(passed: bool, reason: Option<&str>) -> Judged {
        Judged {
            variant: "uv-minimal".into(),
            budget: "max_image".into(),
            value: reason.is_none().then_some(40e6),
            limit: 50e6,
            passed,
            margin: reason.is_none().then_some(10e6),
            shown: ["40.0 MB".into(), "50.0 MB".into(), "10.0 MB under".into()],
            reason: reason.map(str::to_string),
        }
    }

    #[test]
    fn a_workflow_command_is_one_line_with_its_text_escaped() {
        let broken = judged(false, Some("uv failed: 100% of\nthe log"));
        let lines = github_errors(&[judged(true, None), broken]);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with("::error title=dockwright budget max_image::uv-minimal"));
        assert!(lines[0].contains("100%25 of%0Athe log"), "{}", lines[0]);
        assert!(!lines[0].contains('\n'));
    }

    #[test]
    fn the_verdict_counts_the_broken_budgets() {
        assert_eq!(verdict(&[judged(true, None)]), "All 1 budget(s) hold.");
        assert_eq!(
            verdict(&[judged(true, None), judged(false, Some("gone"))]),
            "1 of 2 budget(s) broken."
        );
    }
}

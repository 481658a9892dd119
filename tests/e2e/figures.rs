//! One way to write a figure: `build` and `report` show the same image's
//! size alike (`185 MB`, not `185.3 MB` in one of them).

use crate::support::{dockwright, engine, scaffold, text};

/// The cells of the row of `variant` in a table whose cells are set apart
/// by `separator` or by the two spaces of comfy-table's padding.
fn cells(table: &str, variant: &str) -> Vec<String> {
    let row = table
        .lines()
        .find(|line| line.contains(&format!(" {variant} ")))
        .unwrap_or_else(|| panic!("no row for {variant}:\n{table}"));
    row.split(['|', '│'])
        .flat_map(|part| part.split("  "))
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn build_and_report_write_an_image_size_alike() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-figures",
        &["--profile", "speed", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let client = engine.to_str().unwrap();
    let measured = dockwright(dir, &["measure", "docker-init", "--engine", client]);
    assert!(measured.status.success(), "{}", text(&measured.stderr));
    let report = dockwright(dir, &["report", "--format", "markdown"]);
    assert!(report.status.success(), "{}", text(&report.stderr));
    let markdown = text(&report.stdout);
    let reported = cells(&markdown, "docker-init");
    let size = cells(&markdown, "variant")
        .iter()
        .position(|title| title == "image size")
        .unwrap_or_else(|| panic!("no image size column:\n{markdown}"));
    // The same Dockerfile again, from the cache: the same image.
    let built = dockwright(dir, &["build", "docker-init", "--engine", client]);
    assert!(built.status.success(), "{}", text(&built.stderr));
    let table = text(&built.stdout);
    let shown = cells(&table, "docker-init");
    assert_eq!(
        shown.last(),
        reported.get(size),
        "build's size cell differs from report's image-size cell:\n{table}"
    );
}

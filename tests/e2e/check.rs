//! `dockwright check` on a real engine: it measures only what the budgets
//! need (the recommended variant, and a variant with budgets of its own),
//! then exits 3 on a real breach and 0 when every budget holds.

use crate::builder::json;
use crate::support::{dockwright, engine, scaffold, text};

#[test]
fn check_measures_what_the_budgets_need_and_exits_3_on_a_breach() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-check",
        &["--profile", "balanced", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let settings = dir.join("dockwright.toml");
    let base = std::fs::read_to_string(&settings).unwrap();
    let budgets = "[budgets]\nmax_image = \"1 GB\"\nmax_image_vs_baseline = 0.9\n\n[budgets.variants.docker-init]\nmax_image = \"1 MB\"\n";
    std::fs::write(&settings, format!("{base}\n{budgets}")).unwrap();
    let engine_path = engine.to_str().unwrap();
    let out = dockwright(dir, &["check", "--format", "json", "--engine", engine_path]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let verdicts = json(&out, "check");
    let rows: Vec<(String, String, bool)> = verdicts["budgets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["variant"].as_str().unwrap().to_string(),
                b["budget"].as_str().unwrap().to_string(),
                b["passed"].as_bool().unwrap(),
            )
        })
        .collect();
    let owned = |v: &str, b: &str, p: bool| (v.to_string(), b.to_string(), p);
    assert_eq!(
        rows,
        [
            owned("uv-minimal", "max_image", true),
            owned("uv-minimal", "max_image_vs_baseline", true),
            owned("docker-init", "max_image", false),
        ]
    );
    // Only the recommended variant and the baseline were measured.
    let saved = std::fs::read_to_string(verdicts["run"].as_str().unwrap()).unwrap();
    let run: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let measured: Vec<&str> = run["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(measured, ["docker-init", "uv-minimal"]);

    std::fs::write(
        &settings,
        format!("{base}\n{}", budgets.replace("\"1 MB\"", "\"1 GB\"")),
    )
    .unwrap();
    let again = dockwright(dir, &["check", "--run", "latest"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).contains("All 3 budget(s) hold."),
        "{}",
        text(&again.stdout)
    );
}

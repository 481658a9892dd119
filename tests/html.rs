//! `dockwright report --html FILE` and `--format html`: a page that carries
//! the run's figures, draws its bars to scale, fetches nothing, escapes
//! what the run holds, and renders in a real browser.
//!
//! The browser test needs Debian's `chromium`; without it the test says it
//! was skipped, unless DOCKWRIGHT_REQUIRE_CHROMIUM=1 (as in CI), which makes
//! that a failure.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{ErrorKind, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::*;

const BASELINE_DOCKERFILE: &str = "\
FROM python:3.13
WORKDIR /app
COPY . /app
RUN pip install -r requirements.txt
CMD [\"gunicorn\", \"--bind\", \"0.0.0.0:5000\", \"app:app\"]
";

const MULTI_STAGE_DOCKERFILE: &str = "\
FROM python:3.13 AS build
WORKDIR /app
COPY requirements.txt .
RUN pip wheel --wheel-dir /wheels -r requirements.txt

FROM python:3.13-slim
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*
COPY . /app
CMD [\"gunicorn\", \"--bind\", \"0.0.0.0:5000\", \"app:app\"]
";

/// Text that would run as markup if the page did not escape it.
const INJECTED: &str = "<script>alert(\"owned\")</script>";

/// A run with every case the page draws: a baseline, a slower step, a
/// skipped one whose reason holds markup, one that failed after its cold
/// build, the smallest, and the recommended one; Dockerfiles recorded for
/// all but one, one of them with markup in it.
fn saved_run() -> Value {
    let ok = |name: &str, bytes: u64, cold: f64, app: f64, deps: f64, dockerfile: Option<&str>| {
        json!({
            "name": name, "status": "ok", "reason": null, "recommended": false,
            "image_bytes": bytes, "compressed_bytes": bytes * 2 / 5, "layers": 9,
            "cold_seconds": single(cold),
            "app_rebuild_seconds": timing(app, app * 0.8, app * 1.25, 3),
            "deps_rebuild_seconds": timing(deps, deps * 0.9, deps * 1.1, 3),
            "start_seconds": timing(cold / 40.0, cold / 45.0, cold / 35.0, 3),
            "log": format!(".dockwright/logs/{name}.log"),
            "dockerfile": dockerfile,
        })
    };
    let mut uv = ok(
        "uv",
        151_200_000,
        20.5,
        0.09,
        4.7,
        Some(&format!(
            "# {INJECTED}\n{}",
            MULTI_STAGE_DOCKERFILE.replace("pip wheel", "uv pip wheel")
        )),
    );
    uv["recommended"] = json!(true);
    json!({
        "schema_version": 2,
        "project": "demo",
        "profile": "article",
        "dockwright_version": "0.1.0",
        "date": "2026-03-21T14:02:11Z",
        "host": { "name": "build-host", "os": "Debian GNU/Linux 12 (bookworm)", "cpus": 8, "memory_bytes": 16000000000u64 },
        "engine": {
            "program": "docker",
            "client_version": "20.10.24",
            "server_version": "20.10.24",
            "builder": "BuildKit"
        },
        "repeats": 3,
        "commands": [
            "docker build --build-arg PIP_INDEX_URL=https://pypi.example/simple -t demo:baseline -f dockerfiles/baseline.Dockerfile .",
            "docker image inspect demo:baseline"
        ],
        "variants": [
            ok("baseline", 1_034_000_000, 61.3, 6.2, 58.9, Some(BASELINE_DOCKERFILE)),
            ok("multi-stage", 412_500_000, 70.4, 7.4, 40.2, Some(MULTI_STAGE_DOCKERFILE)),
            {
                "name": "from-source", "status": "skipped",
                "reason": format!("base image `python:3.12` is not here {INJECTED}"),
                "recommended": false,
                "image_bytes": null, "compressed_bytes": null, "layers": null,
                "cold_seconds": null, "app_rebuild_seconds": null, "deps_rebuild_seconds": null,
                "log": null
            },
            {
                "name": "alpine", "status": "failed",
                "reason": "the deps-edit rebuild failed; the end of .dockwright/logs/alpine.log:\nERROR: Failed building wheel for pandas",
                "recommended": false,
                "image_bytes": null, "compressed_bytes": null, "layers": null,
                "cold_seconds": single(12.4), "app_rebuild_seconds": null, "deps_rebuild_seconds": null,
                "log": ".dockwright/logs/alpine.log",
                "dockerfile": "FROM python:3.13-alpine\n"
            },
            ok("minimal-final", 39_700_000, 66.0, 0.41, 38.5, None),
            uv
        ]
    })
}

/// A project holding `saved_run()` as its latest run.
fn project() -> tempfile::TempDir {
    let tmp = tempdir();
    write(
        tmp.path()
            .join(".dockwright/runs/2026-03-21T14-02-11Z.json"),
        &serde_json::to_string_pretty(&saved_run()).unwrap(),
    );
    tmp
}

/// The page as `--format html` prints it.
fn html(dir: &Path) -> String {
    let output = run(dir, &["report", "--format", "html"]);
    assert_success(&output);
    stdout(&output)
}

/// Every `<tag …>…</tag>` in `text`, not nested.
fn elements<'t>(text: &'t str, tag: &str) -> Vec<&'t str> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        let end = rest[start..]
            .find(&close)
            .unwrap_or_else(|| panic!("`{open}` is never closed"))
            + start
            + close.len();
        found.push(&rest[start..end]);
        rest = &rest[end..];
    }
    found
}

/// The saved figure a chart draws, by the chart's `data-metric`.
fn figure(variant: &Value, metric: &str) -> Option<f64> {
    let field = match metric {
        "image-size" => "/image_bytes",
        "cold-build" => "/cold_seconds/median",
        "app-edit-rebuild" => "/app_rebuild_seconds/median",
        "deps-edit-rebuild" => "/deps_rebuild_seconds/median",
        "start" => "/start_seconds/median",
        other => panic!("unknown chart `{other}`"),
    };
    variant.pointer(field).and_then(Value::as_f64)
}

fn number(node: roxmltree::Node, attribute: &str) -> f64 {
    node.attribute(attribute)
        .unwrap_or_else(|| panic!("no {attribute} on {node:?}"))
        .parse()
        .unwrap()
}

#[test]
fn bars_are_drawn_to_scale_from_zero_and_the_recommended_one_is_marked() {
    let tmp = project();
    let page = html(tmp.path());
    let run = saved_run();
    let variants = run["variants"].as_array().unwrap();
    let charts = elements(&page, "svg");
    let mut metrics = BTreeSet::new();
    for svg in charts {
        let doc = roxmltree::Document::parse(svg)
            .unwrap_or_else(|err| panic!("a chart is not well-formed XML ({err}):\n{svg}"));
        let root = doc.root_element();
        let metric = root.attribute("data-metric").unwrap();
        metrics.insert(metric.to_string());
        let axis = number(root, "data-axis");
        let rows: BTreeMap<&str, roxmltree::Node> = root
            .children()
            .filter(|n| n.has_tag_name("g"))
            .map(|g| (g.attribute("data-variant").unwrap(), g))
            .collect();
        assert_eq!(rows.len(), variants.len(), "{metric}: one row per variant");

        let max = variants
            .iter()
            .filter_map(|v| figure(v, metric))
            .fold(0.0, f64::max);
        fn bar<'a, 'i>(g: &roxmltree::Node<'a, 'i>) -> Option<roxmltree::Node<'a, 'i>> {
            g.children()
                .find(|n| n.has_tag_name("rect") && n.attribute("class") == Some("bar"))
        }
        let longest = rows
            .values()
            .filter_map(bar)
            .map(|rect| number(rect, "width"))
            .fold(0.0, f64::max);
        assert!(longest > 0.0, "{metric}: no bars");
        for v in variants {
            let name = v["name"].as_str().unwrap();
            let g = rows[name];
            match (figure(v, metric), bar(&g)) {
                (Some(value), Some(rect)) => {
                    // Zero-based: every bar starts on the axis.
                    assert_eq!(number(rect, "x"), axis, "{metric} {name}");
                    let expected = value / max * longest;
                    let width = number(rect, "width");
                    assert!(
                        (width - expected).abs() <= 0.5,
                        "{metric} {name}: {width} px, expected {expected} px"
                    );
                    if value == max {
                        assert_eq!(width, longest, "{metric}: the largest is the longest");
                    }
                }
                (None, None) => {
                    // Without a figure, the row says why.
                    let said: String = g
                        .descendants()
                        .filter(|n| n.is_text())
                        .filter_map(|n| n.text())
                        .collect();
                    let status = v["status"].as_str().unwrap();
                    assert!(said.contains(status), "{metric} {name}: `{said}`");
                }
                (value, rect) => panic!("{metric} {name}: figure {value:?}, bar {rect:?}"),
            }
            // The recommended variant is marked by more than colour.
            let recommended = v["recommended"].as_bool().unwrap();
            let classes = g.attribute("class").unwrap();
            assert_eq!(
                classes.split(' ').any(|c| c == "recommended"),
                recommended,
                "{metric} {name}: class `{classes}`"
            );
            let label = g
                .children()
                .find(|n| n.attribute("class") == Some("name"))
                .and_then(|n| n.text())
                .unwrap();
            assert_eq!(label.ends_with(" ★"), recommended, "{metric}: `{label}`");
        }
    }
    let expected: BTreeSet<String> = [
        "image-size",
        "cold-build",
        "app-edit-rebuild",
        "deps-edit-rebuild",
        "start",
    ]
    .map(String::from)
    .into();
    assert_eq!(metrics, expected);
    assert!(page.contains(".chart .recommended .bar { fill: #c05621;"));
}

/// The values of every attribute named `name` in `page`.
fn attribute_values<'p>(page: &'p str, name: &str) -> Vec<&'p str> {
    let pattern = format!(" {name}=\"");
    page.match_indices(&pattern)
        .map(|(at, _)| {
            let value = &page[at + pattern.len()..];
            &value[..value.find('"').unwrap()]
        })
        .collect()
}

fn is_remote(url: &str) -> bool {
    let url = url.trim().trim_matches(['\'', '"']).to_ascii_lowercase();
    url.starts_with("http:") || url.starts_with("https:") || url.starts_with("//")
}

#[test]
fn the_page_fetches_nothing() {
    let tmp = project();
    let page = html(tmp.path());
    let lower = page.to_ascii_lowercase();
    for name in ["src", "href", "srcset", "action", "poster", "data"] {
        for value in attribute_values(&lower, name) {
            assert!(!is_remote(value), "{name}=\"{value}\" is fetched");
        }
    }
    for (at, _) in lower.match_indices("url(") {
        let value = &lower[at + 4..at + 4 + lower[at + 4..].find(')').unwrap()];
        assert!(!is_remote(value), "url({value}) is fetched");
    }
    assert!(!lower.contains("@import"), "a style sheet is imported");
    assert!(!lower.contains("<link"), "a resource is linked");
    assert!(!lower.contains("<script"), "the page has a script");
    assert!(!lower.contains("<iframe") && !lower.contains("<img") && !lower.contains("<object"));
    // The only address on the page besides what the run holds is SVG's
    // namespace, which names rather than fetches.
    for value in attribute_values(&lower, "xmlns") {
        assert_eq!(value, "http://www.w3.org/2000/svg");
    }
}

#[test]
fn text_from_the_run_is_escaped() {
    let tmp = project();
    let page = html(tmp.path());
    assert!(!page.contains(INJECTED), "raw markup from the run");
    assert!(!page.to_ascii_lowercase().contains("<script"));
    // Both the skipped variant's reason and the recorded Dockerfile show it
    // as text.
    let escaped = page
        .matches("&lt;script&gt;alert(&quot;owned&quot;)")
        .count();
    assert!(
        escaped >= 2,
        "the markup is not shown as text ({escaped} times)"
    );
}

#[test]
fn each_dockerfile_is_shown_with_its_diff_and_reason() {
    let tmp = project();
    let page = html(tmp.path());
    let step = |name: &str| -> &str {
        let start = page
            .find(&format!("id=\"step-{name}\""))
            .unwrap_or_else(|| panic!("no step {name}"));
        &page[start..start + page[start..].find("</article>").unwrap()]
    };
    let multi = step("multi-stage");
    assert!(multi.contains("Changes from baseline"), "{multi}");
    assert!(
        multi.contains("<span class=\"removed\">-RUN pip install -r requirements.txt</span>"),
        "{multi}"
    );
    assert!(
        multi.contains("<span class=\"added\">+FROM python:3.13 AS build</span>"),
        "{multi}"
    );
    assert!(multi.contains("<span class=\"hunk\">@@ "), "{multi}");
    // Its reason, from the catalogue.
    assert!(multi.contains("<p class=\"reason\">"), "{multi}");
    assert!(step("baseline").contains("the first step of the ladder"));
    // A Dockerfile from before dockwright kept them.
    let minimal = step("minimal-final");
    assert!(minimal.contains("not recorded"), "{minimal}");
    assert!(!minimal.contains("<pre class=\"dockerfile\">"), "{minimal}");
    assert!(step("uv").contains("no diff: the Dockerfile of minimal-final was not recorded"));
}

#[test]
fn the_page_names_the_environment_and_the_commands() {
    let tmp = project();
    let page = html(tmp.path());
    for part in [
        "docker: client 20.10.24, server 20.10.24",
        "BuildKit",
        "build-host (Debian GNU&#x2f;Linux 12 (bookworm), 8 CPUs, 16.00 GB memory)",
        "[images] of dockwright.toml",
        "2026-03-21T14:02:11Z",
        "<dt>dockwright</dt><dd>0.1.0</dd>",
        "docker image inspect demo:baseline",
        "@media print",
    ] {
        assert!(page.contains(part), "`{part}` is not on the page");
    }
}

#[test]
fn html_file_is_written_whole_and_announced() {
    let tmp = project();
    let output = run(tmp.path(), &["report", "--html", "out/report.html"]);
    // The directory must exist: a typo should not create a tree.
    let message = assert_usage_error(&output);
    assert!(
        message.contains("`out` does not exist") && message.contains("create it"),
        "{message}"
    );

    std::fs::create_dir(tmp.path().join("out")).unwrap();
    write(tmp.path().join("out/report.html"), "an older page");
    let output = run(tmp.path(), &["report", "--html", "out/report.html"]);
    assert_success(&output);
    assert!(
        stdout(&output).contains("out/report.html"),
        "{}",
        stdout(&output)
    );
    let written = read(tmp.path().join("out/report.html"));
    assert_eq!(written, html(tmp.path()));
    assert!(written.starts_with("<!DOCTYPE html>"));
    // No temporary file is left beside it.
    assert_eq!(files(&tmp.path().join("out")), ["report.html"]);
}

#[test]
fn html_to_a_directory_says_to_name_a_file() {
    let tmp = project();
    let message = assert_usage_error(&run(tmp.path(), &["report", "--html", "."]));
    assert!(message.contains("is a directory"), "{message}");
    assert!(message.contains("report.html"), "{message}");
}

#[test]
fn html_and_format_do_not_go_together() {
    let tmp = project();
    let output = run(
        tmp.path(),
        &["report", "--html", "r.html", "--format", "markdown"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--format"), "{}", stderr(&output));
    assert!(!tmp.path().join("r.html").exists());
}

// ---------------------------------------------------------------------------
// In a real browser

/// Whether chromium can run here; panics if it is required and cannot.
fn chromium_available() -> bool {
    let runs = match Command::new("chromium").arg("--version").output() {
        Ok(output) => output.status.success(),
        Err(err) if err.kind() == ErrorKind::NotFound => false,
        Err(err) => panic!("cannot run chromium: {err}"),
    };
    if !runs {
        assert!(
            std::env::var("DOCKWRIGHT_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "DOCKWRIGHT_REQUIRE_CHROMIUM=1 but chromium is not installed (cargo xtask engine installs it)"
        );
        // libtest captures eprintln!; a skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: chromium is not installed (cargo xtask engine installs it)"
        );
    }
    runs
}

const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(90);

/// Runs headless chromium on `page` with `args`; returns its stdout.
fn chromium(profile: &Path, page: &Path, args: &[&str]) -> Vec<u8> {
    let mut child = Command::new("chromium")
        // As root, chromium refuses to start without --no-sandbox. A
        // profile of its own keeps parallel runs apart.
        .args(["--headless", "--no-sandbox", "--disable-gpu"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > CHROMIUM_TIMEOUT {
            let _ = child.kill();
            panic!("chromium did not finish within {CHROMIUM_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "chromium {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The RGB pixels of a PNG file.
fn pixels(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(path).expect("the screenshot exists"),
    ));
    let mut reader = decoder.read_info().expect("the screenshot is a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let channels = info.color_type.samples();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let pixels = buffer[..info.buffer_size()]
        .chunks(channels)
        .map(|p| match channels {
            1 | 2 => [p[0], p[0], p[0]],
            _ => [p[0], p[1], p[2]],
        })
        .collect();
    (info.width, info.height, pixels)
}

/// The cells of each table row in the browser's DOM, as text.
fn dom_table_rows(dom: &str) -> Vec<Vec<String>> {
    let body = &dom[dom.find("<tbody>").unwrap()..dom.find("</tbody>").unwrap()];
    elements(body, "tr")
        .iter()
        .map(|row| {
            let row = row.replace("&nbsp;", "&#160;");
            let doc = roxmltree::Document::parse(&row).unwrap_or_else(|err| panic!("{err}: {row}"));
            doc.root_element()
                .children()
                .filter(|n| n.is_element())
                .map(|cell| {
                    cell.descendants()
                        .filter(|n| n.is_text())
                        .filter_map(|n| n.text())
                        .collect()
                })
                .collect()
        })
        .collect()
}

#[test]
fn chromium_renders_the_page_with_its_charts_and_figures() {
    if !chromium_available() {
        return;
    }
    let tmp = project();
    assert_success(&run(tmp.path(), &["report", "--html", "report.html"]));
    let page = tmp.path().join("report.html");
    let profile = tmp.path().join("chromium-profile");

    let screenshot = tmp.path().join("report.png");
    chromium(
        &profile,
        &page,
        &[
            &format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,2400",
        ],
    );
    let (width, height, pixels) = pixels(&screenshot);
    assert_eq!((width, height), (1280, 2400));
    let colours: BTreeSet<[u8; 3]> = pixels.iter().copied().collect();
    let ink = pixels.iter().filter(|p| **p != [255, 255, 255]).count();
    assert!(colours.len() >= 50, "only {} colours", colours.len());
    assert!(
        ink * 100 >= pixels.len(),
        "blank: {ink} of {} pixels are not white",
        pixels.len()
    );
    // The bars are drawn, in both colours: the styles and the SVG rendered.
    let near = |p: &[u8; 3], c: [u8; 3]| p.iter().zip(c).all(|(a, b)| a.abs_diff(b) <= 8);
    for (what, colour) in [
        ("bars", [0x2b, 0x6c, 0xb0]),
        ("recommended bars", [0xc0, 0x56, 0x21]),
    ] {
        let count = pixels.iter().filter(|p| near(p, colour)).count();
        assert!(count >= 2000, "{what}: only {count} pixels of {colour:?}");
    }

    let dom = String::from_utf8(chromium(&profile, &page, &["--dump-dom"])).unwrap();
    let markdown = stdout(&run(tmp.path(), &["report", "--format", "markdown"]));
    let rows = dom_table_rows(&dom);
    let run = saved_run();
    let variants = run["variants"].as_array().unwrap();
    assert_eq!(rows.len(), variants.len());
    for v in variants {
        let mut label = v["name"].as_str().unwrap().to_string();
        if v["recommended"].as_bool().unwrap() {
            label.push_str(" ★");
        }
        let shown = markdown_row(&markdown, &label);
        let in_dom = rows
            .iter()
            .find(|row| row[0] == label)
            .unwrap_or_else(|| panic!("no row {label} in the DOM: {rows:?}"));
        assert_eq!(*in_dom, shown, "{label}");
    }
}

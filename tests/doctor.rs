//! `dockwright doctor` through the built binary and stand-in clients: every
//! ✗ path it can reach without a real engine, each with its fix, the exit
//! code, and that it changes nothing (a killed run's journal is reported,
//! not recovered). tests/e2e/doctor.rs checks it on the real engine.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::*;

/// A docker 26 client with buildx whose active builder is `ci`, a
/// `docker-container` one; its daemon keeps data under `dir`, and a
/// container's HTTPS request fails on a certificate, as behind a proxy
/// whose CA the image does not trust.
fn behind_a_proxy(dir: &Path) -> PathBuf {
    fake_client(
        dir,
        r#"version) echo '26.1.5|26.1.5' ;;
buildx) case "$2" in
    version) echo 'github.com/docker/buildx 0.13.1' ;;
    inspect) printf 'Name:          ci\nDriver:        docker-container\n\nNodes:\nName: ci0\n' ;;
    esac ;;
context) echo default ;;
info) if [ "$3" = '{{.DockerRootDir}}' ]; then echo "$here"; fi ;;
run) echo 'dockwright-pypi: tls [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1000)' ;;"#,
    )
}

fn checks(out: &std::process::Output) -> Vec<Value> {
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("no JSON ({err}): {}", stderr(out)));
    doc.as_array().unwrap().clone()
}

fn named<'a>(checks: &'a [Value], name: &str) -> &'a Value {
    checks
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {checks:?}"))
}

#[test]
fn each_failure_comes_with_its_fix_and_nothing_is_changed() {
    let tmp = tempdir();
    let client = behind_a_proxy(tmp.path());
    let project = project(tmp.path());
    let pending = project.join(".dockwright/journal/edit-0001.json");
    write(&pending, "{\"path\": \"app.py\"}");
    let before = tree(&project);
    let out = with_client(&project, &client, &["doctor", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let checks = checks(&out);
    let journal = named(&checks, "journal");
    assert_eq!(journal["outcome"], "fail", "{journal}");
    assert!(journal["fix"]
        .as_str()
        .unwrap()
        .contains("dockwright variants"));
    let builder = named(&checks, "builder");
    assert_eq!(builder["outcome"], "fail", "{builder}");
    assert!(
        builder["fix"].as_str().unwrap().contains("--builder ci"),
        "{builder}"
    );
    let pypi = named(&checks, "pypi");
    assert_eq!(pypi["outcome"], "fail", "{pypi}");
    assert!(
        pypi["detail"]
            .as_str()
            .unwrap()
            .contains("cannot verify pypi.org's certificate")
            && pypi["fix"]
                .as_str()
                .unwrap()
                .contains("`ca_file` under [tls]"),
        "{pypi}"
    );
    assert_eq!(named(&checks, "engine")["outcome"], "ok");
    assert_eq!(named(&checks, "base images")["outcome"], "ok");
    assert_eq!(named(&checks, "disk")["outcome"], "ok");
    assert_eq!(tree(&project), before, "doctor changed the project");

    let table = with_client(&project, &client, &["doctor"])
        .output()
        .unwrap();
    assert_eq!(table.status.code(), Some(1));
    let text = stdout(&table);
    assert!(
        text.contains("✗ builder") && text.contains("fix: pass `--builder ci`"),
        "{text}"
    );
    assert!(
        text.contains("3 check(s) failed; each says how to fix it."),
        "{text}"
    );
}

#[test]
fn a_daemon_that_does_not_answer_fails_the_engine_and_skips_what_needs_it() {
    let tmp = tempdir();
    let client = fake_client(
        tmp.path(),
        r#"version) echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1 ;;"#,
    );
    let project = project(tmp.path());
    let out = with_client(&project, &client, &["doctor", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let checks = checks(&out);
    let engine = named(&checks, "engine");
    assert_eq!(engine["outcome"], "fail", "{engine}");
    assert!(
        engine["detail"]
            .as_str()
            .unwrap()
            .contains("is not running"),
        "{engine}"
    );
    for name in ["buildkit", "builder", "base images", "pypi", "disk"] {
        let check = named(&checks, name);
        assert_eq!(check["outcome"], "skipped", "{check}");
        assert_eq!(check["detail"], "no engine answered");
    }
}

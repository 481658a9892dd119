use super::*;
use crate::results::Host;

fn ranged(median: f64, min: f64, max: f64) -> Timing {
    Timing {
        median,
        min,
        max,
        samples: 3,
    }
}

/// The verdict from A to B, and from B to A with the comparative turned round.
fn both_ways(a: Timing, b: Timing) -> (Verdict, Verdict) {
    (time_verdict(a, b), time_verdict(b, a))
}

#[test]
fn overlapping_ranges_are_noise_both_ways() {
    let (a, b) = (ranged(6.2, 5.9, 6.8), ranged(6.6, 6.5, 7.4));
    assert!(is_noise(a, b) && is_noise(b, a));
    assert_eq!(both_ways(a, b), (Verdict::Noise, Verdict::Noise));
}

#[test]
fn ranges_that_only_touch_still_overlap() {
    assert!(is_noise(ranged(1.0, 0.9, 1.2), ranged(1.3, 1.2, 1.4)));
}

#[test]
fn separate_ranges_are_a_change_both_ways() {
    // Under 10% apart, which the single-sample rule would call noise: the
    // ranges are the better evidence.
    let (a, b) = (ranged(6.2, 6.1, 6.3), ranged(6.6, 6.5, 6.7));
    assert!(!is_noise(a, b) && !is_noise(b, a));
    assert_eq!(both_ways(a, b), (Verdict::Slower, Verdict::Faster));
}

#[test]
fn a_single_sample_falls_back_to_ten_percent_and_a_fifth_of_a_second() {
    let single = Timing::single;
    // Under 10%, though more than 0.2 s: noise.
    assert_eq!(
        both_ways(single(61.3), single(58.0)),
        (Verdict::Noise, Verdict::Noise)
    );
    // Many times faster, but by less than 0.2 s: noise.
    assert_eq!(
        both_ways(single(0.09), single(0.25)),
        (Verdict::Noise, Verdict::Noise)
    );
    // Over 10% and over 0.2 s: a change, whichever run came first.
    assert_eq!(
        both_ways(single(61.3), single(40.2)),
        (Verdict::Faster, Verdict::Slower)
    );
    assert_eq!(
        both_ways(single(1.0), single(1.25)),
        (Verdict::Slower, Verdict::Faster)
    );
}

#[test]
fn the_fallback_applies_when_only_one_side_has_a_range() {
    // The ranges would not overlap if B's point were a range, but a single
    // sample says too little: 6.2 s against 6.5 s is within 10%.
    let (a, b) = (ranged(6.2, 6.1, 6.3), Timing::single(6.5));
    assert_eq!(both_ways(a, b), (Verdict::Noise, Verdict::Noise));
}

#[test]
fn equal_times_are_the_same() {
    assert_eq!(
        time_verdict(Timing::single(3.0), Timing::single(3.0)),
        Verdict::Same
    );
}

#[test]
fn sizes_are_exact() {
    assert_eq!(size_verdict(151_200_000, 151_200_001), Verdict::Larger);
    assert_eq!(size_verdict(151_200_001, 151_200_000), Verdict::Smaller);
    assert_eq!(size_verdict(151_200_000, 151_200_000), Verdict::Same);
}

#[test]
fn the_rule_in_words_names_the_thresholds() {
    let rule = noise_rule();
    assert!(
        rule.contains(&format!("{NOISE_PERCENT}%"))
            && rule.contains(&format!("{NOISE_FLOOR_SECONDS} s")),
        "{rule}"
    );
}

fn run(runs: usize, variants: Vec<VariantResult>) -> Run {
    Run {
        profile: "balanced".into(),
        host: Host {
            memory_bytes: None,
            ..Run::sample(runs, Vec::new()).host
        },
        ..Run::sample(runs, variants)
    }
}

/// A variant whose app-edit rebuild was timed `samples` times, with a
/// range around its median.
fn variant(name: &str, bytes: u64, app: f64, samples: usize) -> VariantResult {
    let mut v = VariantResult::new(name, false);
    v.image_bytes = Some(bytes);
    v.app_rebuild_seconds = Some(Timing {
        median: app,
        min: app * 0.9,
        max: app * 1.1,
        samples,
    });
    v
}

#[test]
fn variants_in_one_run_only_are_listed_apart() {
    let a = run(
        3,
        vec![
            variant("docker-init", 200, 6.0, 3),
            variant("slim", 100, 1.0, 3),
        ],
    );
    let b = run(
        3,
        vec![
            variant("docker-init", 200, 6.0, 3),
            variant("uv", 90, 0.5, 3),
        ],
    );
    let comparison = Comparison::new(Path::new("a.json"), &a, Path::new("b.json"), &b);
    let names: Vec<&str> = comparison
        .variants
        .iter()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(names, ["docker-init"]);
    assert_eq!(comparison.only_in_a, ["slim"]);
    assert_eq!(comparison.only_in_b, ["uv"]);
    assert!(comparison.notes.is_empty(), "{:?}", comparison.notes);
}

#[test]
fn a_run_of_single_samples_has_no_ranges() {
    // A hand-written file may carry a range beside a single sample; with
    // one sample there is no spread to trust, so the fallback applies.
    let a = run(1, vec![variant("uv", 100, 1.0, 1)]);
    let b = run(1, vec![variant("uv", 100, 1.08, 1)]);
    let comparison = Comparison::new(Path::new("a.json"), &a, Path::new("b.json"), &b);
    let app = &comparison.variants[0].app_rebuild_seconds;
    assert_eq!(app.a.and_then(|t| t.range()), None);
    assert_eq!(app.verdict, Some(Verdict::Noise));
    assert_eq!(
        comparison.variants[0].image_bytes.verdict,
        Some(Verdict::Same)
    );
}

#[test]
fn runs_from_different_locks_or_none_are_noted_once() {
    let unlocked = run(1, vec![variant("uv", 100, 1.0, 1)]);
    let lock = |sha: &str| Run {
        lock_sha256: Some(sha.repeat(64)),
        ..run(1, vec![variant("uv", 100, 1.0, 1)])
    };
    let notes =
        |a: &Run, b: &Run| Comparison::new(Path::new("a.json"), a, Path::new("b.json"), b).notes;
    assert!(notes(&lock("a"), &lock("a")).is_empty());
    assert!(notes(&unlocked, &unlocked).is_empty());
    assert_eq!(
        notes(&lock("a"), &lock("b")),
        ["The runs installed different dependencies, from requirements.lock sha256:aaaaaaaaaaaa and requirements.lock sha256:bbbbbbbbbbbb: some of the change may be theirs."]
    );
    let one_locked = notes(&unlocked, &lock("b"));
    assert_eq!(one_locked.len(), 1);
    assert!(
        one_locked[0].contains("from no lock and requirements.lock"),
        "{one_locked:?}"
    );
}

#[test]
fn different_machines_are_noted() {
    let a = run(1, vec![variant("uv", 100, 1.0, 1)]);
    let mut b = run(1, vec![variant("uv", 100, 1.0, 1)]);
    b.host.name = "laptop".into();
    let comparison = Comparison::new(Path::new("a.json"), &a, Path::new("b.json"), &b);
    assert!(
        comparison.notes.iter().any(|n| n.contains("laptop")),
        "{:?}",
        comparison.notes
    );
}

#[test]
fn runs_built_on_different_images_of_one_name_are_noted() {
    let built_on = |image: &str, digest: Option<&str>, local_id: Option<&str>| {
        let mut v = variant("uv", 100, 1.0, 1);
        v.bases = vec![BaseImage {
            image: image.into(),
            digest: digest.map(|d| format!("sha256:{}", d.repeat(64))),
            local_id: local_id.map(|d| format!("sha256:{}", d.repeat(64))),
        }];
        run(1, vec![v])
    };
    let notes =
        |a: &Run, b: &Run| Comparison::new(Path::new("a.json"), a, Path::new("b.json"), b).notes;
    let tag = built_on("python:3.13-slim", Some("a"), None);
    let pinned = built_on(
        &format!("python:3.13-slim@sha256:{}", "a".repeat(64)),
        Some("a"),
        None,
    );
    assert!(notes(&tag, &pinned).is_empty(), "one image, pinned or not");
    let moved = built_on("docker.io/library/python:3.13-slim", Some("b"), None);
    assert_eq!(
        notes(&tag, &moved),
        ["The runs were built on different base images: python:3.13-slim was sha256:aaaaaaaaaaaa… and then sha256:bbbbbbbbbbbb…; some of the change may be theirs."]
    );
    let local = built_on("python:3.13-slim", None, Some("c"));
    assert!(
        notes(&local, &tag)[0].contains("was local image cccccccccccc and then sha256:aaaa"),
        "{:?}",
        notes(&local, &tag)
    );
    let unrecorded = run(1, vec![variant("uv", 100, 1.0, 1)]);
    assert!(
        notes(&unrecorded, &tag).is_empty(),
        "an old run recorded none"
    );
}

#[test]
fn only_real_changes_the_wrong_way_are_regressions() {
    let a = run(
        3,
        vec![
            variant("docker-init", 200, 6.0, 3),
            variant("uv", 100, 1.0, 3),
            variant("slim", 100, 1.0, 3),
        ],
    );
    let mut failed = variant("slim", 100, 1.0, 3);
    failed.status = Status::Failed;
    let b = run(
        3,
        vec![
            // Smaller and faster: progress, not a regression.
            variant("docker-init", 150, 3.0, 3),
            // Larger, and its rebuild slower by more than the noise.
            variant("uv", 110, 2.0, 3),
            failed,
        ],
    );
    let comparison = Comparison::new(Path::new("a.json"), &a, Path::new("b.json"), &b);
    assert_eq!(
        comparison.regressions(),
        [
            "uv: image +10 B",
            "uv: app-edit rebuild +1.0 s",
            "slim failed in B, after finishing in A",
        ]
    );
    let noisy = run(3, vec![variant("uv", 100, 1.05, 3)]);
    let calm = run(3, vec![variant("uv", 100, 1.0, 3)]);
    let within_noise = Comparison::new(Path::new("a.json"), &calm, Path::new("b.json"), &noisy);
    assert!(within_noise.regressions().is_empty());
}

#[test]
fn runs_for_other_platforms_or_emulated_apart_are_refused_with_the_fix() {
    let native = run(1, vec![variant("uv", 100, 1.0, 1)]);
    let for_platform = |platform: &str, emulated: bool| Run {
        platform: Some(platform.into()),
        emulated,
        ..native.clone()
    };
    let arm = for_platform("linux/arm64", true);
    assert!(comparable(&arm, &arm).is_ok());
    assert!(comparable(&native, &native).is_ok());
    // The sample host is amd64: naming its own platform changes nothing.
    assert!(comparable(&native, &for_platform("linux/amd64", false)).is_ok());
    for (a, b) in [
        (&native, &arm),
        (&arm, &native),
        (&arm, &for_platform("linux/arm64", false)),
        (&native, &for_platform("linux/arm/v7", false)),
    ] {
        let err = comparable(a, b).unwrap_err().to_string();
        assert!(
            err.contains("cannot be compared") && err.contains("--platform"),
            "{err}"
        );
    }
    let err = comparable(&native, &arm).unwrap_err().to_string();
    assert!(
        err.contains(
            "run A was built for linux/amd64 natively and run B for linux/arm64 under emulation"
        ),
        "{err}"
    );
}

#[test]
fn a_start_is_compared_by_the_noise_rule_and_shown_only_where_timed() {
    let timed = |start: f64| {
        let mut v = variant("uv", 100, 1.0, 1);
        v.start_seconds = Some(Timing::single(start));
        v
    };
    let a = run(1, vec![timed(1.0)]);
    let noisy = run(1, vec![timed(1.05)]);
    let slower = run(1, vec![timed(2.0)]);
    let comparison = Comparison::new(Path::new("a.json"), &a, Path::new("b.json"), &noisy);
    assert_eq!(
        comparison.variants[0].start_seconds.verdict,
        Some(Verdict::Noise)
    );
    assert!(comparison.regressions().is_empty());
    let comparison = Comparison::new(Path::new("a.json"), &a, Path::new("b.json"), &slower);
    assert_eq!(comparison.regressions(), ["uv: start +1.0 s"]);
    let shown = render(&comparison, Format::Markdown).unwrap();
    assert!(shown.contains("| start |"), "{shown}");
    let untimed = run(1, vec![variant("uv", 100, 1.0, 1)]);
    let comparison = Comparison::new(Path::new("a.json"), &untimed, Path::new("b.json"), &untimed);
    let shown = render(&comparison, Format::Markdown).unwrap();
    assert!(!shown.contains("start"), "{shown}");
}

//! Writes the fuzz targets' starting corpus: every template of core's
//! catalogue, filled by `kuaibao_core::examples` at each stage it may be
//! filed at, plus one report with every optional field and a few logins.
//! Run by `cargo xtask fuzz` before fuzzing, so the seeds follow the
//! catalogue; libFuzzer's own finds sit beside them and are kept.
//!
//! usage: kuaibao-fuzz-seeds <corpus dir>   (writes <dir>/report, <dir>/login,
//! <dir>/json: the reports again, and texts at JSON's edges)

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kuaibao_core::account::LoginRequest;
use kuaibao_core::grading::{Grade, GradeDecision};
use kuaibao_core::validate::parse_datetime;
use kuaibao_core::{catalogue, examples, Family, Report};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: kuaibao-fuzz-seeds <corpus dir>");
        return ExitCode::FAILURE;
    };
    match write_all(&dir) {
        Ok((reports, logins)) => {
            println!(
                "seeds: {reports} reports in {}, {logins} logins in {}",
                dir.join("report").display(),
                dir.join("login").display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kuaibao-fuzz-seeds: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write_all(dir: &Path) -> Result<(usize, usize), String> {
    let mut reports = Vec::new();
    for template in catalogue::all() {
        for stage in examples::stages(template.family) {
            let report = examples::report(template, stage);
            let name = format!(
                "seed-{}-v{}-{}.json",
                template.id,
                template.version,
                slug(&format!("{stage:?}"))
            );
            reports.push((name, json(&report)?));
        }
    }
    if let Some(full) = every_optional_field() {
        reports.push(("seed-every-optional-field.json".to_owned(), json(&full)?));
    }

    let device = "0192f1c4-8a3e-7b2d-9c4f-1a2b3c4d5e6f";
    let logins = [
        ("seed-login-ok.json", login("wangfang", "correct horse battery", device)),
        ("seed-login-empty.json", login("", "", "")),
        (
            "seed-login-bad-device.json",
            login(" 张伟 ", "密码密码密码密码", "not-a-uuid"),
        ),
    ];
    let logins: Vec<(String, String)> = logins
        .into_iter()
        .map(|(name, l)| Ok((name.to_owned(), json(&l)?)))
        .collect::<Result<_, String>>()?;

    // The phone's reader is fuzzed on the same reports, and on JSON's edges:
    // escapes, surrogate pairs, numbers at the edges of a double.
    let mut texts = reports.clone();
    let edges = [
        r#"{"a":"\u00e9\ud83d\ude00\n\"\\\/","b":[-0,0.1,1e22,1e23,18446744073709551616,-9223372036854775809]}"#,
        "[1.7976931348623157e308,5e-324,2.2250738585072014e-308,0.30000000000000004]",
        r#"[null,true,false,"",{},[],{"":{"":[]}}]"#,
    ];
    texts.extend(
        edges
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("seed-edge-{i}.json"), (*t).to_owned())),
    );
    // A report whose latitude rounds to the largest double: the one number
    // the phone's reader may call out of range where serde_json does not.
    if let Some((_, full)) = reports
        .iter()
        .find(|(name, _)| name == "seed-every-optional-field.json")
    {
        let huge = full.replace("\"lat\":30.6586", "\"lat\":1.7976931348623158e308");
        texts.push(("seed-edge-largest-double.json".to_owned(), huge));
    }

    write_dir(&dir.join("report"), &reports)?;
    write_dir(&dir.join("login"), &logins)?;
    write_dir(&dir.join("json"), &texts)?;
    Ok((reports.len(), logins.len()))
}

/// An incident template with a Photos blank (else any template with one), at
/// its first stage, with a grade decision, a clock offset and a photo
/// carrying its EXIF time and place.
fn every_optional_field() -> Option<Report> {
    let with_photos = || catalogue::all().filter(|t| !examples::photos(t).is_empty());
    let template = with_photos()
        .find(|t| matches!(t.family, Family::Incident { .. }))
        .or_else(|| with_photos().next())?;
    let stage = *examples::stages(template.family).first()?;
    let mut report = examples::report(template, stage);
    report.grade = Some(GradeDecision {
        suggested: Grade::IV,
        chosen: Grade::III,
        reason: "群众反映强烈".to_owned(),
    });
    report.clock_offset_ms = Some(-1_250);
    if let Some(photo) = report.photos.first_mut() {
        photo.taken_at = parse_datetime(examples::OCCURRED_AT);
        photo.lat = Some(30.6586);
        photo.lon = Some(104.0648);
    }
    Some(report)
}

fn login(username: &str, password: &str, device_id: &str) -> LoginRequest {
    LoginRequest {
        username: username.to_owned(),
        password: password.to_owned(),
        device_id: device_id.to_owned(),
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| format!("cannot encode a seed: {e}"))
}

/// `FollowUp { n: 1 }` → `followup-n-1`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn write_dir(dir: &Path, files: &[(String, String)]) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, text) in files {
        let path = dir.join(name);
        fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

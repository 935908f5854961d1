//! Writes the fuzz targets' starting corpus: every template of core's
//! catalogue, filled by `kuaibao_core::rules::examples` at each stage it may be
//! filed at, plus one report with every optional field and a few logins;
//! camera-shaped JPEGs with EXIF, event streams as the server sends them
//! and `Upload-Metadata` headers as the phone sends them.
//! Run by `cargo xtask fuzz` before fuzzing, so the seeds follow the
//! catalogue; libFuzzer's own finds sit beside them and are kept.
//!
//! usage: kuaibao-fuzz-seeds <corpus dir>   (writes <dir>/report, <dir>/login,
//! <dir>/json: the reports again, and texts at JSON's edges; <dir>/exif,
//! <dir>/sse, <dir>/tus_metadata, <dir>/sms)

mod jpeg;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kuaibao_core::account::LoginRequest;
use kuaibao_core::photo::{exif, tus};
use kuaibao_core::rules::grading::{Grade, GradeDecision};
use kuaibao_core::rules::{catalogue, examples};
use kuaibao_core::wire::timestamp::parse_datetime;
use kuaibao_core::{Family, Report};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: kuaibao-fuzz-seeds <corpus dir>");
        return ExitCode::FAILURE;
    };
    match write_all(&dir) {
        Ok((reports, logins)) => {
            println!(
                "seeds: {reports} reports in {}, {logins} logins in {}; JPEGs, event streams, \
                 tus headers in exif/, sse/, tus_metadata/",
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
        // Either side of halfway from the largest double to 2^1024, where a
        // reader that decides on an approximate double goes wrong (a CI run
        // found the first).
        "[1.79769313486231581e308]",
        "[1.7976931348623158079e308]",
        r#"[null,true,false,"",{},[],{"":{"":[]}}]"#,
    ];
    texts.extend(
        edges
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("seed-edge-{i}.json"), (*t).to_owned())),
    );
    // A report whose latitude rounds to the largest double: the edge where
    // the phone's reader decides on the digits, not on its double.
    if let Some((_, full)) = reports
        .iter()
        .find(|(name, _)| name == "seed-every-optional-field.json")
    {
        let huge = full.replace("\"lat\":30.6586", "\"lat\":1.7976931348623158e308");
        texts.push(("seed-edge-largest-double.json".to_owned(), huge));
        // The same number under a key given twice: serde_json keeps the
        // second value, so the huge one is gone from what it reads.
        let twice = full.replace(
            "\"lon\":104.0648",
            "\"lon\":1.7976931348623158e308,\"lon\":104.0648",
        );
        texts.push(("seed-edge-largest-double-twice.json".to_owned(), twice));
    }

    write_dir(&dir.join("report"), &reports)?;
    write_dir(&dir.join("login"), &logins)?;
    write_dir(&dir.join("json"), &texts)?;
    write_dir(&dir.join("exif"), &exif_files()?)?;
    write_dir(&dir.join("sse"), &event_streams())?;
    write_dir(&dir.join("tus_metadata"), &metadata_headers())?;
    write_dir(&dir.join("sms"), &sms_texts())?;
    Ok((reports.len(), logins.len()))
}

/// The `exif` target's seeds: a phone's real photo (core's test fixture),
/// and small camera files in both byte orders, in every hemisphere, at the
/// poles and the antimeridian, with and without their sub-IFDs.
fn exif_files() -> Result<Vec<(String, Vec<u8>)>, String> {
    use jpeg::Value::{Ascii, Rationals, Short};
    use jpeg::*;

    let ifd0 = |orientation| -> Ifd {
        vec![
            (0x010F, Ascii("Xiaomi")),
            (ORIENTATION, Short(orientation)),
            (DATE_TIME, Ascii("2023:05:12 18:20:00")),
        ]
    };
    let exif = || -> Ifd {
        vec![
            (DATE_TIME_ORIGINAL, Ascii("2023:05:12 14:03:09")),
            (DATE_TIME_DIGITIZED, Ascii("2023:05:12 14:03:10")),
        ]
    };
    let gps = |lat_ref, lat, lon_ref, lon| -> Ifd {
        vec![
            (GPS_LATITUDE_REF, Ascii(lat_ref)),
            (GPS_LATITUDE, Rationals(lat)),
            (GPS_LONGITUDE_REF, Ascii(lon_ref)),
            (GPS_LONGITUDE, Rationals(lon)),
        ]
    };
    // 30°39'31.0"N 104°3'53.3"E, Chengdu.
    let chengdu = || gps("N", &[(30, 1), (39, 1), (310, 10)], "E", &[(104, 1), (3, 1), (533, 10)]);

    let mut files = vec![(
        "seed-phone-gps.jpg".to_owned(),
        include_bytes!("../../../crates/core/tests/fixtures/exif/phone_gps.jpg").to_vec(),
    )];
    for (order, big_endian) in [("le", false), ("be", true)] {
        let mut add = |name: &str, tiff: Vec<u8>, jfif| {
            files.push((format!("seed-{name}-{order}.jpg"), jpeg(&tiff, jfif)));
        };
        add("camera", tiff(big_endian, &ifd0(1), &exif(), &chengdu()), false);
        add("camera-jfif", tiff(big_endian, &ifd0(6), &exif(), &chengdu()), true);
        add("ifd0-only", tiff(big_endian, &ifd0(3), &[], &[]), false);
        add("no-gps", tiff(big_endian, &ifd0(8), &exif(), &[]), false);
        // 33°51'24.4"S 151°12'54.6"E, Sydney; degrees alone.
        add(
            "sydney",
            tiff(
                big_endian,
                &ifd0(1),
                &exif(),
                &gps("S", &[(338_573, 10_000)], "E", &[(151, 1), (12, 1), (546, 10)]),
            ),
            false,
        );
        // 22°54'30.0"S 43°12'37.8"W, Rio de Janeiro, lowercase letters.
        add(
            "rio",
            tiff(
                big_endian,
                &[],
                &exif(),
                &gps("s", &[(22, 1), (54, 1), (300, 10)], "w", &[(43, 1), (12, 1), (378, 10)]),
            ),
            true,
        );
        // At the edges of the range: the pole and the antimeridian.
        add(
            "edges",
            tiff(
                big_endian,
                &ifd0(2),
                &[],
                &gps("N", &[(90, 1)], "W", &[(180, 1), (0, 1), (0, 1)]),
            ),
            false,
        );
    }
    // Every camera file must read as one, or the seeds would not reach
    // the IFD walk they are for.
    if let Some((name, _)) = files.iter().find(|(_, f)| {
        let facts = exif::read(f);
        facts.taken_at.is_none() || facts.orientation.is_none() && facts.lat.is_none()
    }) {
        return Err(format!("the seed {name} has no EXIF facts: the JPEG writer is wrong"));
    }
    files.push(("seed-plain.jpg".to_owned(), jpeg::plain()));
    Ok(files)
}

/// The `sse` target's seeds, each `[n, n chunk lengths…, the stream]`: the
/// office stream as the server writes it, whole and cut; the standard's
/// line ends, fields and byte-order mark, cut at their awkward places.
fn event_streams() -> Vec<(String, Vec<u8>)> {
    let office =
        b": subscribed\n\ndata: {\"thread_id\":\"0192f1c4-8a3e-7b2d-9c4f-1a2b3c4d5e6f\",\"kind\":\"report\"}\n\n\
:keep-alive\n\ndata: {\"thread_id\":\"00000000-0000-0000-0000-000000000000\",\"kind\":\"reload\"}\n\n";
    let ends = "data: 续报\r\n\r\nevent: x\rdata: a\rdata:b\r\rid: 7\ndata:  two spaces\n\n".as_bytes();
    let fields = b"retry: 1000\nid\nevent\ndata\n\nid: a\0b\ndata:x\nunknown: y\ndata\n\n: comment\n";
    let bom = b"\xEF\xBB\xBFdata: x\n\n";
    let seed = |cuts: &[u8], stream: &[u8]| [&[cuts.len() as u8][..], cuts, stream].concat();
    vec![
        ("seed-office-whole".to_owned(), seed(&[], office)),
        // Mid-line, mid-field-name, after the blank line.
        ("seed-office-cut".to_owned(), seed(&[5, 13, 40, 0, 31], office)),
        ("seed-line-ends-whole".to_owned(), seed(&[], ends)),
        // Mid-character (续 is three bytes), then between `\r` and `\n`, then
        // an empty chunk after a `\r`.
        ("seed-line-ends-cut".to_owned(), seed(&[7, 3, 0, 4, 1, 0, 9], ends)),
        ("seed-fields".to_owned(), seed(&[2, 2, 2], fields)),
        ("seed-bom-whole".to_owned(), seed(&[], bom)),
        ("seed-bom-split".to_owned(), seed(&[1, 0, 1, 1], bom)),
        ("seed-bom-only".to_owned(), seed(&[1, 1], b"\xEF\xBB")),
    ]
}

/// The `sms` target's seeds: the text of every template's example first
/// record, as the phone sends it (sealed) and unsealed.
fn sms_texts() -> Vec<(String, String)> {
    use kuaibao_core::wire::sms;
    let key = sms::SmsKey::of_token("seed-session-token");
    catalogue::all()
        .filter(|t| t.family.allows(kuaibao_core::Stage::Initial))
        .flat_map(|t| {
            let report = examples::report(t, kuaibao_core::Stage::Initial);
            let name = format!("seed-{}-v{}", t.id, t.version);
            [
                sms::encode_sealed(&report, "wangfang", &key).ok().map(|text| (format!("{name}.txt"), text)),
                sms::encode(&report, "wangfang").ok().map(|text| (format!("{name}-unsealed.txt"), text)),
            ]
        })
        .flatten()
        .collect()
}

/// The `tus_metadata` target's seeds: the header as the phone writes it for
/// a photo, with spaces and a bare key, and ones the server refuses.
fn metadata_headers() -> Vec<(String, Vec<u8>)> {
    // The id, the SHA-256 of no bytes, image/jpeg.
    let photo = format!(
        "{} MDE5MmYxYzQtOGEzZS03YjJkLTljNGYtMWEyYjNjNGQ1ZTZm,\
         {} ZTNiMGM0NDI5OGZjMWMxNDlhZmJmNGM4OTk2ZmI5MjQyN2FlNDFlNDY0OWI5MzRjYTQ5NTk5MWI3ODUyYjg1NQ==,\
         {} aW1hZ2UvanBlZw==",
        tus::META_PHOTO_ID,
        tus::META_SHA256,
        tus::META_FILETYPE,
    );
    [
        ("seed-photo", photo.as_str()),
        ("seed-spaces", " photo_id  MTIz , flag,sha256 YWJj ,, "),
        ("seed-empty", ""),
        ("seed-not-base64", "photo_id !!!"),
        ("seed-not-text", "photo_id /w=="),
        ("seed-twice", "a MTIz,a MTIz"),
        ("seed-padding", "a YQ,b YWI=,c YWJj,d YWJjZA==="),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_owned(), text.as_bytes().to_vec()))
    .collect()
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

fn write_dir(dir: &Path, files: &[(String, impl AsRef<[u8]>)]) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, text) in files {
        let path = dir.join(name);
        fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

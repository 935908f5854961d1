//! Evidence rules: how many photos (or video clips) a record must carry,
//! whatever its template's photo blank asks for on its own.
//!
//! - An incident graded 较大 (Ⅲ) or graver needs at least one photo or
//!   video: "pictures or video for 100 % of them" (`004_…txt`, repeating
//!   the State Council duty office's notice of 2015).
//! - Once an emergency response is launched (the blank `emergency_response`
//!   answered yes), at least [`PHOTOS_WITH_RESPONSE`] photos: the natural-
//!   disaster statistics system (2020) asks this; it is applied to every
//!   incident, since a launched response is the grave case in all of them.
//!   Video does not count here: the rule names photos.
//! - A hazard as found needs a site photo: its template's photo blank asks
//!   for one (`min: 1`), so no rule is needed here; tested below.
//! - A hazard's closing (验收销号) needs at least one photo taken at the
//!   verification. Version 1 of its template has no photo blank, so no
//!   new closing can be filed by it any more; stored ones keep their
//!   receipts, because these rules judge records new to the server only.
//!
//! The incident rules bind templates with a photo blank: every incident
//! template but the general incident's first version, which could carry
//! no picture at all and is judged as it was filled (its records stored
//! and in flight must still be delivered).
//!
//! The incident rules are the event's, as the texts count them ("100 %
//! of them" are events; photos "once a response is launched" are the
//! disaster's): a 续报 of a 较大 incident whose 首报 carried a picture needs
//! none of its own, and a worker sending new figures from the hospital is
//! not held back for want of a photo. What the thread's earlier records
//! announced ([`Earlier`]) counts with the record's own. A hazard's closing
//! is its own verification and carries its own photo.
//!
//! These rules are for records new to the server (and the phone's submit):
//! a record stored before they existed keeps its receipt on replay, and a
//! refused one reopens on the phone as a draft with all its answers.

use crate::photo::media::Media;
use crate::report::Report;
use crate::rules::grading::{self, Grade};
use crate::rules::stage::Stage;
use crate::rules::template::{BlankKind, Family, Template};
use crate::rules::validate;
use crate::wire::error::{ErrorCode, FieldError};

/// Photos needed once an emergency response is launched.
pub const PHOTOS_WITH_RESPONSE: usize = 3;
/// The blank (added by incident templates version 2) that says an
/// emergency response is launched; absent from version 1, which then
/// counts as "no".
pub const EMERGENCY_RESPONSE: &str = "emergency_response";
/// The photo blank of a closing record (hazard_closed version 2).
pub const CLOSING_PHOTOS: &str = "after_photos";

/// The grade an incident record is judged by: the one chosen, or, sent
/// without a decision, what its figures suggest (as the server lists it).
pub fn grade_of(template: &Template, report: &Report) -> Option<Grade> {
    let Family::Incident { grading: rule, .. } = template.family else {
        return None;
    };
    Some(match &report.grade {
        Some(decision) => decision.chosen,
        None => grading::suggest(rule, &report.answers).grade,
    })
}

/// Whether the record says an emergency response is launched.
pub fn response_launched(report: &Report) -> bool {
    report
        .answers
        .get(EMERGENCY_RESPONSE)
        .is_some_and(|v| v.trim() == "yes")
}

/// What the records of a thread before this one announced: pictures
/// (photos or video clips) and photos, each counted once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Earlier {
    pub pictures: usize,
    pub photos: usize,
}

impl Earlier {
    /// Counted from the MIME types of the photos the thread's other records
    /// announced (each photo once).
    pub fn of<'m>(mimes: impl IntoIterator<Item = &'m str>) -> Self {
        mimes.into_iter().fold(Earlier::default(), |mut e, mime| {
            match Media::of(mime) {
                Some(Media::Photo) => {
                    e.photos += 1;
                    e.pictures += 1;
                }
                Some(Media::Video) => e.pictures += 1,
                _ => {}
            }
            e
        })
    }
}

/// The evidence `report` (validated against `template`) lacks, by the
/// photo blank to fill, with what its thread's `earlier` records announced:
/// empty when it has enough.
pub fn check(template: &Template, report: &Report, earlier: Earlier) -> Vec<FieldError> {
    let count = |media: &[Media]| {
        report
            .photos
            .iter()
            .filter(|p| Media::of(&p.mime).is_some_and(|m| media.contains(&m)))
            .count()
    };
    let blank = photo_blank(template);
    let mut errors = Vec::new();
    if let Some(grade) = grade_of(template, report) {
        let field = blank.map_or("photos", |(id, _)| id);
        let label = blank.map_or("现场照片", |(_, zh)| zh);
        let pictures = count(&[Media::Photo, Media::Video]) + earlier.pictures;
        if blank.is_some() && grade.at_least(Grade::III) && pictures == 0 {
            errors.push(FieldError::new(
                field,
                ErrorCode::PhotosMissing,
                format!(
                    "{label}：{}及以上的事件须附至少 1 张照片或 1 段视频（现有 0）。请在“{label}”处拍照或录像后再提交。",
                    Grade::III.name().zh,
                ),
                format!(
                    "{field}: an incident graded major (III) or graver needs at least 1 photo or video (now 0). \
                     Take one at this blank, then submit again."
                ),
            ));
        }
        let photos = count(&[Media::Photo]) + earlier.photos;
        if blank.is_some() && response_launched(report) && photos < PHOTOS_WITH_RESPONSE {
            errors.push(FieldError::new(
                field,
                ErrorCode::PhotosMissing,
                format!(
                    "{label}：已启动应急响应，须附至少 {PHOTOS_WITH_RESPONSE} 张照片（现有 {photos} 张）。请在“{label}”处补拍后再提交。"
                ),
                format!(
                    "{field}: an emergency response is launched, so at least {PHOTOS_WITH_RESPONSE} photos are needed \
                     (now {photos}). Take more at this blank, then submit again."
                ),
            ));
        }
    }
    if report.stage == Stage::Closed {
        let photos = count(&[Media::Photo]);
        if photos == 0 || blank.is_none() {
            let field = blank.map_or(CLOSING_PHOTOS, |(id, _)| id);
            errors.push(FieldError::new(
                field,
                ErrorCode::PhotosMissing,
                "验收照片：验收销号须附至少 1 张验收时拍的整改后照片（现有 0 张）。请拍照后再提交；\
                 旧版验收表没有照片栏，请重新打开验收表填写。",
                "verification photos: closing a hazard needs at least 1 photo taken at the verification (now 0). \
                 Take one, then submit again; an old closing form without a photo blank must be filled anew.",
            ));
        }
    }
    errors
}

/// [`validate::validate`] and then [`check`]: everything a record new to
/// the server is held to. The phone judges its drafts by this.
pub fn admit(report: &Report, earlier: Earlier) -> Result<&'static Template, Vec<FieldError>> {
    let template = match validate::validate(report) {
        Ok(template) => template,
        // A grade below the figures is said with the other errors, not
        // only once they are mended.
        Err(mut errors) => {
            if let Some(template) = crate::rules::catalogue::find(&report.template_id, report.template_version) {
                errors.extend(validate::graded_below_figures(template, report));
            }
            return Err(errors);
        }
    };
    let mut errors = check(template, report, earlier);
    errors.extend(validate::graded_below_figures(template, report));
    if errors.is_empty() {
        Ok(template)
    } else {
        Err(errors)
    }
}

/// The template's first photo blank: its id and Chinese label.
fn photo_blank(template: &Template) -> Option<(&'static str, &'static str)> {
    template
        .blanks
        .iter()
        .find(|b| matches!(b.kind, BlankKind::Photos { .. }))
        .map(|b| (b.id, b.label.zh))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::PhotoRef;
    use crate::rules::catalogue::{GENERAL_INCIDENT, HAZARD, HAZARD_CLOSED, HAZARD_CLOSED_V1, INCIDENTS};
    use crate::rules::grading::GradeDecision;
    use crate::wire::ids::{PhotoId, ReportId};
    use crate::Answers;

    const WRITTEN_MS: u64 = 1_795_399_200_000;

    /// An incident template with a photo blank: the earthquake's.
    fn quake() -> &'static Template {
        INCIDENTS
            .iter()
            .copied()
            .find(|t| t.id == "earthquake")
            .expect("the earthquake template")
    }

    fn media(n: usize, blank: &str, mime: &str) -> Vec<PhotoRef> {
        (0..n)
            .map(|i| PhotoRef {
                id: PhotoId::from_parts(WRITTEN_MS, [i as u8 + 1; 10]),
                blank: blank.into(),
                sha256: format!("{:064x}", i + 1),
                size: 1000,
                mime: mime.into(),
                taken_at: None,
                lat: None,
                lon: None,
            })
            .collect()
    }

    fn incident(chosen: Grade, photos: Vec<PhotoRef>, answers: Answers) -> Report {
        let Family::Incident { grading: rule, .. } = quake().family else {
            panic!("an incident template");
        };
        let suggested = grading::suggest(rule, &answers).grade;
        Report {
            id: ReportId::from_parts(WRITTEN_MS, [9; 10]),
            thread: None,
            thread_key: None,
            stage: Stage::Initial,
            template_id: quake().id.into(),
            template_version: quake().version,
            answers,
            written_at: crate::rules::closing::written_at(WRITTEN_MS as i64),
            grade: Some(GradeDecision {
                suggested,
                chosen,
                reason: if chosen == suggested {
                    String::new()
                } else {
                    "现场情况严重".into()
                },
            }),
            photos,
            clock_offset_ms: None,
        }
    }

    fn filled_incident(chosen: Grade, photos: Vec<PhotoRef>) -> Report {
        incident(chosen, photos, crate::rules::examples::filled(quake()))
    }

    fn codes(errors: &[FieldError]) -> Vec<(&str, ErrorCode)> {
        errors.iter().map(|e| (e.field.as_str(), e.code)).collect()
    }

    #[test]
    fn a_general_incident_needs_no_photo() {
        let report = filled_incident(Grade::IV, Vec::new());
        assert_eq!(
            report.grade.as_ref().map(|g| g.suggested),
            Some(Grade::IV),
            "the example's figures"
        );
        assert_eq!(admit(&report, Earlier::default()).map(|t| t.id), Ok("earthquake"));
    }

    /// The rules are the event's: a 续报 whose thread already carries a
    /// picture needs none of its own, and the photos of a launched response
    /// add up across the thread; a thread with none is refused as a first
    /// record is. Voice notes count for neither.
    #[test]
    fn a_follow_up_counts_what_its_thread_announced_before() {
        let mut follow_up = filled_incident(Grade::III, Vec::new());
        follow_up.stage = Stage::FollowUp { n: 1 };
        follow_up.thread = Some(ReportId::from_parts(WRITTEN_MS - 60_000, [1; 10]));
        assert_eq!(
            check(quake(), &follow_up, Earlier::default()).len(),
            1,
            "nothing before"
        );
        let before = Earlier::of(["image/jpeg"]);
        assert_eq!(before, Earlier { pictures: 1, photos: 1 });
        assert!(check(quake(), &follow_up, before).is_empty(), "the 首报's photo");
        assert!(
            check(quake(), &follow_up, Earlier::of(["video/mp4"])).is_empty(),
            "its clip"
        );
        assert_eq!(
            check(quake(), &follow_up, Earlier::of(["audio/webm"])).len(),
            1,
            "a voice note is no picture"
        );
        follow_up.answers.insert(EMERGENCY_RESPONSE.into(), "yes".into());
        follow_up.photos = media(1, "photos", "image/jpeg");
        assert_eq!(
            check(quake(), &follow_up, Earlier::of(["image/jpeg"])).len(),
            1,
            "two of three"
        );
        assert!(check(quake(), &follow_up, Earlier::of(["image/jpeg", "image/png"])).is_empty());
        assert_eq!(
            check(quake(), &follow_up, Earlier::of(["image/jpeg", "video/mp4"])).len(),
            1,
            "a clip is no photo"
        );
    }

    #[test]
    fn a_template_without_a_photo_blank_is_judged_as_it_was_filled() {
        assert!(GENERAL_INCIDENT
            .blanks
            .iter()
            .all(|b| !matches!(b.kind, BlankKind::Photos { .. })));
        let mut report = filled_incident(Grade::I, Vec::new());
        report.template_id = GENERAL_INCIDENT.id.into();
        report.answers = crate::rules::examples::filled(&GENERAL_INCIDENT);
        report.answers.insert(EMERGENCY_RESPONSE.into(), "yes".into());
        assert!(check(&GENERAL_INCIDENT, &report, Earlier::default()).is_empty());
    }

    #[test]
    fn a_major_incident_needs_one_photo_or_video() {
        for grade in [Grade::III, Grade::II, Grade::I] {
            let none = filled_incident(grade, Vec::new());
            let errors = admit(&none, Earlier::default()).expect_err("no evidence");
            assert_eq!(codes(&errors), vec![("photos", ErrorCode::PhotosMissing)], "{grade:?}");
            assert!(errors[0].zh.starts_with("现场照片："), "{}", errors[0].zh);
            assert!(
                errors[0].zh.contains("请在“现场照片”处拍照或录像后再提交"),
                "{}",
                errors[0].zh
            );
            for mime in ["image/jpeg", "video/webm", "video/mp4"] {
                let one = filled_incident(grade, media(1, "photos", mime));
                assert!(
                    check(quake(), &one, Earlier::default()).is_empty(),
                    "{grade:?} with one {mime}"
                );
            }
            // A voice note is evidence, but no picture of the scene.
            let voice = filled_incident(grade, media(1, "photos", "audio/webm"));
            assert_eq!(
                check(quake(), &voice, Earlier::default()).len(),
                1,
                "{grade:?} with a voice note"
            );
        }
    }

    #[test]
    fn the_grade_judged_is_the_chosen_one_or_else_the_figures() {
        let mut report = filled_incident(Grade::III, Vec::new());
        report.grade = None;
        // The example figures suggest 一般.
        assert!(check(quake(), &report, Earlier::default()).is_empty());
        report.answers.insert("dead".into(), "3".into());
        assert_eq!(grade_of(quake(), &report), Some(Grade::III));
        assert_eq!(check(quake(), &report, Earlier::default()).len(), 1);
        report.answers.insert("dead".into(), "2".into());
        assert!(check(quake(), &report, Earlier::default()).is_empty());
        assert_eq!(grade_of(&HAZARD, &report), None);
    }

    #[test]
    fn a_launched_response_needs_three_photos() {
        let yes = |photos| {
            let mut r = filled_incident(Grade::IV, photos);
            r.answers.insert(EMERGENCY_RESPONSE.into(), "yes".into());
            r
        };
        for n in 0..PHOTOS_WITH_RESPONSE {
            let errors = check(quake(), &yes(media(n, "photos", "image/jpeg")), Earlier::default());
            assert_eq!(codes(&errors), vec![("photos", ErrorCode::PhotosMissing)], "{n} photos");
            assert!(errors[0].zh.contains(&format!("现有 {n} 张")), "{}", errors[0].zh);
        }
        assert!(check(quake(), &yes(media(3, "photos", "image/jpeg")), Earlier::default()).is_empty());
        assert!(check(quake(), &yes(media(4, "photos", "image/jpeg")), Earlier::default()).is_empty());
        // Videos do not make up for photos here.
        let mut mixed = media(2, "photos", "image/jpeg");
        mixed.extend(media(3, "photos", "video/webm").into_iter().map(|mut v| {
            v.sha256 = v.sha256.replace('0', "f");
            v
        }));
        assert_eq!(check(quake(), &yes(mixed), Earlier::default()).len(), 1);
        // No or an absent answer asks nothing.
        let mut no = filled_incident(Grade::IV, Vec::new());
        no.answers.insert(EMERGENCY_RESPONSE.into(), "no".into());
        assert!(check(quake(), &no, Earlier::default()).is_empty());
        assert!(!response_launched(&filled_incident(Grade::IV, Vec::new())));
    }

    #[test]
    fn a_major_incident_with_a_response_is_told_both() {
        let mut r = filled_incident(Grade::III, Vec::new());
        r.answers.insert(EMERGENCY_RESPONSE.into(), "yes".into());
        assert_eq!(check(quake(), &r, Earlier::default()).len(), 2);
        let mut r = filled_incident(Grade::III, media(1, "photos", "image/jpeg"));
        r.answers.insert(EMERGENCY_RESPONSE.into(), "yes".into());
        assert_eq!(check(quake(), &r, Earlier::default()).len(), 1);
    }

    fn hazard_record(template: &Template, stage: Stage, photos: Vec<PhotoRef>) -> Report {
        Report {
            id: ReportId::from_parts(WRITTEN_MS, [3; 10]),
            thread: (stage != Stage::Initial).then(|| ReportId::from_parts(WRITTEN_MS - 1000, [2; 10])),
            thread_key: None,
            stage,
            template_id: template.id.into(),
            template_version: template.version,
            answers: crate::rules::examples::filled(template),
            written_at: crate::rules::closing::written_at(WRITTEN_MS as i64),
            grade: None,
            photos,
            clock_offset_ms: None,
        }
    }

    #[test]
    fn a_hazard_as_found_needs_a_photo() {
        let errors =
            admit(&hazard_record(&HAZARD, Stage::Initial, Vec::new()), Earlier::default()).expect_err("no photo");
        assert_eq!(codes(&errors), vec![("photos", ErrorCode::PhotosMissing)]);
        assert!(admit(
            &hazard_record(&HAZARD, Stage::Initial, media(1, "photos", "image/jpeg")),
            Earlier::default()
        )
        .is_ok());
    }

    #[test]
    fn a_closing_needs_an_after_photo() {
        let none = hazard_record(&HAZARD_CLOSED, Stage::Closed, Vec::new());
        let errors = admit(&none, Earlier::default()).expect_err("no photo");
        // The template's own minimum and this rule say it alike.
        assert!(errors
            .iter()
            .all(|e| e.field == CLOSING_PHOTOS && e.code == ErrorCode::PhotosMissing));
        let one = hazard_record(&HAZARD_CLOSED, Stage::Closed, media(1, CLOSING_PHOTOS, "image/jpeg"));
        assert_eq!(admit(&one, Earlier::default()).map(|t| t.version), Ok(2));
        let video = hazard_record(&HAZARD_CLOSED, Stage::Closed, media(1, CLOSING_PHOTOS, "video/webm"));
        assert!(
            check(&HAZARD_CLOSED, &video, Earlier::default()).len() == 1,
            "a closing needs a photo, not a clip"
        );
    }

    #[test]
    fn a_closing_by_version_1_is_valid_but_no_longer_admitted() {
        let old = hazard_record(&HAZARD_CLOSED_V1, Stage::Closed, Vec::new());
        assert!(validate::validate(&old).is_ok(), "stored closings stay valid");
        let errors = admit(&old, Earlier::default()).expect_err("new ones are refused");
        assert_eq!(codes(&errors), vec![(CLOSING_PHOTOS, ErrorCode::PhotosMissing)]);
        assert!(errors[0].zh.starts_with("验收照片："));
    }
}

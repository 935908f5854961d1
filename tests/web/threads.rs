//! A thread's open requests from the duty office: which still show on the
//! phone.

use chrono::{Duration, Utc};
use kuaibao::platform::new_report_id;
use kuaibao::threads::thread_of;
use kuaibao_core::desk::office::FollowUpRequest;
use kuaibao_core::ReportId;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{report, waiting};

fn request(thread_id: ReportId, minutes_from_now: i64, answered: bool) -> FollowUpRequest {
    FollowUpRequest {
        id: new_report_id().0,
        thread_id,
        message: "请续报失联人员搜救进展".into(),
        by: "zhou".into(),
        by_name: "周值班".into(),
        asked_at: Utc::now() + Duration::minutes(minutes_from_now),
        answered,
    }
}

#[wasm_bindgen_test]
fn a_request_shows_until_answered_here_or_on_the_server() {
    let first = report(waiting(0.0));
    let thread = thread_of(std::slice::from_ref(&first), first.id).expect("thread");
    let later = request(first.id, 5, false);
    let older = request(first.id, -5, false);
    let answered = request(first.id, 5, true);
    let elsewhere = request(new_report_id(), 5, false);
    let open = thread.open_requests(&[later.clone(), older, answered, elsewhere]);
    // The older one came before the phone's latest record: answered by it.
    assert_eq!(open, vec![later]);
}

#[wasm_bindgen_test]
fn a_draft_does_not_answer_a_request() {
    let first = report(waiting(0.0));
    let mut draft = report(kuaibao::store::Status::Draft);
    draft.thread = Some(first.id);
    draft.stage = kuaibao_core::Stage::FollowUp { n: 1 };
    let thread = thread_of(&[first.clone(), draft], first.id).expect("thread");
    let asked = request(first.id, 1, false);
    assert_eq!(thread.open_requests(std::slice::from_ref(&asked)), vec![asked]);
}

/// A hazard found and rectified on this phone, both submitted.
fn rectified_hazard() -> kuaibao::threads::Thread {
    use kuaibao::store::LocalReport;
    use kuaibao_core::rules::catalogue;
    use kuaibao_core::Stage;
    let found = LocalReport {
        stage: Stage::Initial,
        status: waiting(0.0),
        ..LocalReport::new_draft(new_report_id(), &catalogue::HAZARD, kuaibao::platform::now_ms())
    };
    let step = catalogue::hazard_step(Stage::Rectified).expect("a template for 已整改");
    let mut rectified = LocalReport::new_draft(new_report_id(), step, kuaibao::platform::now_ms());
    rectified.thread = Some(found.id);
    rectified.stage = Stage::Rectified;
    rectified.status = waiting(0.0);
    thread_of(&[found.clone(), rectified], found.id).expect("thread")
}

#[wasm_bindgen_test]
fn a_rectified_hazard_is_closed_by_the_office_not_by_its_reporter() {
    use kuaibao_core::account::Role;
    use kuaibao_core::Stage;
    let thread = rectified_hazard();
    // The reporter is offered nothing, and told who closes it.
    assert_eq!(
        thread.next_stages(Role::Reporter, &national(), now()),
        Vec::<Stage>::new()
    );
    assert!(thread.awaits_office(Role::Reporter, &national(), now()));
    // An officer or administrator may close it.
    for role in [Role::Officer, Role::Admin] {
        assert_eq!(
            thread.next_stages(role, &national(), now()),
            vec![Stage::Closed],
            "{role:?}"
        );
        assert!(!thread.awaits_office(role, &national(), now()));
    }
}

#[wasm_bindgen_test]
fn an_incident_offers_its_reporter_every_next_stage() {
    use kuaibao_core::account::Role;
    use kuaibao_core::Stage;
    let first = report(waiting(0.0));
    let thread = thread_of(std::slice::from_ref(&first), first.id).expect("thread");
    assert_eq!(
        thread.next_stages(Role::Reporter, &national(), now()),
        vec![Stage::FollowUp { n: 1 }, Stage::Final]
    );
    assert!(!thread.awaits_office(Role::Reporter, &national(), now()));
}

/// On a phone a grid shares, a colleague's thread is his to go on with:
/// a reporter is offered nothing there (the server would refuse it); an
/// officer may be the office above it, which the server judges.
#[wasm_bindgen_test]
fn a_colleagues_thread_is_held_by_him_for_a_reporter_not_for_an_officer() {
    use kuaibao::store::Author;
    use kuaibao_core::account::Role;
    let mut first = report(waiting(0.0));
    first.author = Some(Author {
        account_id: "li".into(),
        username: "lixiuying".into(),
    });
    let thread = thread_of(std::slice::from_ref(&first), first.id).expect("thread");
    assert_eq!(thread.held_by_another("li", Role::Reporter), None, "her own");
    assert_eq!(
        thread
            .held_by_another("wang", Role::Reporter)
            .map(|a| a.username.as_str()),
        Some("lixiuying")
    );
    assert_eq!(thread.held_by_another("zhou", Role::Officer), None);
    // A record from before accounts names nobody: anyone goes on.
    first.author = None;
    let legacy = thread_of(std::slice::from_ref(&first), first.id).expect("thread");
    assert_eq!(legacy.held_by_another("wang", Role::Reporter), None);
}

/// The national deadline rules, as a phone with no rules of its
/// deployment yet holds them.
fn national() -> kuaibao_core::rules::deadlines::RuleSet {
    kuaibao_core::rules::deadlines::RuleSet::national()
}

/// A grave (重大) natural disaster (a flood, version 2) reported now, with
/// `more` records of its thread after the first, each submitted now.
fn flood_thread(more: &[kuaibao_core::Stage]) -> kuaibao::threads::Thread {
    flood_thread_graded(kuaibao_core::Grade::II, more)
}

/// A flood graded `grade`, as [`flood_thread`].
fn flood_thread_graded(grade: kuaibao_core::Grade, more: &[kuaibao_core::Stage]) -> kuaibao::threads::Thread {
    use kuaibao::store::LocalReport;
    use kuaibao_core::rules::catalogue;
    use kuaibao_core::Stage;
    let flood = catalogue::find("flood", 2).expect("flood v2");
    let first = LocalReport {
        status: waiting(0.0),
        grade: Some(kuaibao_core::GradeDecision {
            suggested: grade,
            chosen: grade,
            reason: String::new(),
        }),
        ..LocalReport::new_draft(new_report_id(), flood, kuaibao::platform::now_ms())
    };
    let mut records = vec![first.clone()];
    for &stage in more {
        let template = match stage {
            Stage::Daily { .. } => catalogue::daily(),
            _ => flood,
        };
        let mut r = LocalReport::new_draft(new_report_id(), template, kuaibao::platform::now_ms());
        r.thread = Some(first.id);
        r.stage = stage;
        r.status = waiting(0.0);
        records.push(r);
    }
    thread_of(&records, first.id).expect("thread")
}

#[wasm_bindgen_test]
fn a_natural_disaster_offers_today_s_daily_report_until_it_is_filed_and_none_after_the_verified_report() {
    use kuaibao_core::account::Role;
    use kuaibao_core::wire::timestamp::beijing;
    use kuaibao_core::Stage;
    let today = kuaibao::platform::now_local().with_timezone(&beijing()).date_naive();
    let daily = Stage::Daily { date: today };
    assert_eq!(
        flood_thread(&[]).next_stages(Role::Reporter, &national(), now()),
        vec![Stage::FollowUp { n: 1 }, daily, Stage::Final]
    );
    assert_eq!(
        flood_thread(&[daily]).next_stages(Role::Reporter, &national(), now()),
        vec![Stage::FollowUp { n: 1 }, Stage::Final],
        "today's is filed"
    );
    assert_eq!(
        flood_thread(&[Stage::Final]).next_stages(Role::Reporter, &national(), now()),
        vec![]
    );
    // A 一般 flood owes none under the national rules (重特大 only).
    assert_eq!(
        flood_thread_graded(kuaibao_core::Grade::IV, &[]).next_stages(Role::Reporter, &national(), now()),
        vec![Stage::FollowUp { n: 1 }, Stage::Final]
    );
    // The day is the server's: a phone whose clock is a day behind (its
    // own now before the flood began) is still offered today's.
    let a_day_behind = now() - chrono::Duration::days(1);
    assert_eq!(
        flood_thread(&[]).next_stages(Role::Reporter, &national(), a_day_behind),
        vec![Stage::FollowUp { n: 1 }, Stage::Final],
        "by a clock a day behind, no day is owed yet"
    );
    // A daily report's draft starts from the latest totals, not a 续报's.
    let thread = flood_thread(&[]);
    let draft = thread
        .next_draft(daily, new_report_id(), kuaibao::platform::now_ms())
        .expect("a daily draft");
    assert_eq!(draft.template_id, "disaster_daily");
    assert_eq!(draft.stage, daily);
}

/// Which threads may leave the phone: finished, all received before the
/// cutoff, and every photo on the server.
#[wasm_bindgen_test]
async fn a_thread_is_settled_only_when_its_photos_are_on_the_server_too() {
    use kuaibao::store::{Status, Upload};
    let store = crate::fresh_store().await;
    let receipt = |seq| Status::Delivered {
        written_at: kuaibao::platform::now_local(),
        receipt: kuaibao_core::wire::protocol::Receipt {
            id: new_report_id(),
            seq,
            received_at: Utc::now() - Duration::days(40),
            clock_offset_ms: None,
            via_sms: false,
            sms_sealed: false,
            seal: None,
        },
    };
    let first = report(receipt(1));
    let mut last = report(receipt(2));
    last.thread = Some(first.id);
    last.stage = kuaibao_core::Stage::Final;
    let open = report(receipt(3));
    let records = vec![first.clone(), last, open];
    let mut photo = crate::stored_photo(&store, first.id, 100).await;
    let cutoff = Utc::now() - Duration::days(30);

    let settled = |photos: &[kuaibao::store::LocalPhoto]| -> Vec<ReportId> {
        kuaibao::threads::settled(&records, photos, cutoff)
            .iter()
            .map(|t| t.id)
            .collect()
    };
    assert_eq!(
        settled(std::slice::from_ref(&photo)),
        Vec::<ReportId>::new(),
        "its photo is still waiting"
    );
    photo.upload = Upload::Done;
    assert_eq!(
        settled(std::slice::from_ref(&photo)),
        vec![first.id],
        "the unfinished thread stays"
    );
    assert_eq!(
        kuaibao::threads::settled(&records, std::slice::from_ref(&photo), Utc::now() - Duration::days(50)),
        vec![],
        "received after that cutoff"
    );
    // What was left of a thread that went (the office's record, or hers
    // from another phone): let go at once.
    let mut left = report(receipt(4));
    left.thread = Some(new_report_id());
    left.stage = kuaibao_core::Stage::Call { n: 1 };
    left.by_office = Some("新河区值班室".into());
    let mut hers_left = report(receipt(5));
    hers_left.thread = left.thread;
    hers_left.stage = kuaibao_core::Stage::FollowUp { n: 1 };
    hers_left.recovered = true;
    let with_left: Vec<_> = records.iter().cloned().chain([left.clone(), hers_left]).collect();
    assert_eq!(
        kuaibao::threads::settled(&with_left, &[photo], Utc::now() - Duration::days(50))
            .iter()
            .map(|t| t.id)
            .collect::<Vec<_>>(),
        vec![left.thread_id()]
    );
}

/// Now in Beijing time, as `AppState::server_now_beijing` gives it (the
/// tests' phone has no clock offset).
fn now() -> chrono::NaiveDateTime {
    kuaibao::platform::now_local()
        .with_timezone(&kuaibao_core::wire::timestamp::beijing())
        .naive_local()
}

#[wasm_bindgen_test]
fn a_request_asked_after_the_last_record_shows_whatever_the_phone_s_clock_says() {
    // A phone an hour fast, its offset measured: its record says 60
    // minutes from now, and was written now by the server's clock. A
    // request asked 5 minutes from now comes after it.
    let mut fast = report(waiting(0.0));
    fast.status = kuaibao::store::Status::Waiting {
        written_at: (Utc::now() + Duration::minutes(60)).fixed_offset(),
        attempts: 0,
        next_try_ms: 0.0,
        last_error: None,
    };
    fast.clock_offset_ms = Some(-3_600_000);
    let thread = thread_of(std::slice::from_ref(&fast), fast.id).expect("thread");
    let asked = request(fast.id, 5, false);
    assert_eq!(thread.open_requests(std::slice::from_ref(&asked)), vec![asked]);
    // One asked before it was written is answered by it.
    let before = request(fast.id, -5, false);
    assert_eq!(thread.open_requests(&[before]), vec![]);
}

/// A later record may count the pictures its thread's sent records carry
/// (the evidence is the event's): each photo once, a draft's or a refused
/// record's not, the record itself not.
#[wasm_bindgen_test]
fn a_threads_earlier_media_are_its_sent_records_photos_once_each() {
    use kuaibao_core::photo::PhotoRef;
    use kuaibao_core::rules::evidence::Earlier;
    use kuaibao_core::Stage;
    let photo = |mime: &str| PhotoRef {
        id: kuaibao::platform::new_photo_id(),
        blank: "photos".into(),
        sha256: "ab".repeat(32),
        size: 1,
        mime: mime.into(),
        taken_at: None,
        lat: None,
        lon: None,
    };
    let (jpeg, clip) = (photo("image/jpeg"), photo("video/mp4"));
    let mut first = report(waiting(0.0));
    first.photos = vec![jpeg.clone(), clip];
    let mut carried = report(waiting(0.0));
    carried.thread = Some(first.id);
    carried.stage = Stage::FollowUp { n: 1 };
    carried.photos = vec![jpeg];
    let mut draft = report(kuaibao::store::Status::Draft);
    draft.thread = Some(first.id);
    draft.stage = Stage::FollowUp { n: 2 };
    draft.photos = vec![photo("image/jpeg")];
    // Refused: the server holds nothing of it, and counts none of its
    // pictures.
    let mut refused = report(kuaibao::store::Status::Rejected {
        written_at: kuaibao::platform::now_local(),
        reason: "refused".into(),
        fields: Vec::new(),
        id_taken: false,
    });
    refused.thread = Some(first.id);
    refused.stage = Stage::FollowUp { n: 3 };
    refused.photos = vec![photo("image/png"), photo("image/png")];
    let thread = thread_of(&[first.clone(), carried, draft.clone(), refused], first.id).expect("thread");
    assert_eq!(thread.earlier_media(draft.id), Earlier { pictures: 2, photos: 1 });
    assert_eq!(thread.earlier_media(first.id), Earlier { pictures: 1, photos: 1 });
}

/// A delivered record is judged by the same clock offset as at the office:
/// the phone's own, or where it had measured none, the server's on arrival.
#[wasm_bindgen_test]
fn a_delivered_record_is_judged_by_the_offset_measured_on_arrival_where_it_had_none() {
    use kuaibao::store::Status;
    use kuaibao_core::rules::thread::StageRecord;
    let mut sent = report(crate::delivered(1));
    if let Status::Delivered { receipt, .. } = &mut sent.status {
        receipt.clock_offset_ms = Some(3_600_000);
    }
    assert_eq!(sent.clock_offset_ms(), Some(3_600_000), "none of its own");
    sent.clock_offset_ms = Some(90_000);
    assert_eq!(
        sent.clock_offset_ms(),
        Some(90_000),
        "its own, measured before it was written"
    );
    let waiting = report(waiting(0.0));
    assert_eq!(waiting.clock_offset_ms(), None, "not yet arrived");
}

/// A record the duty office filed in this phone's thread `first`, at
/// `stage` with `template`, as `sync::thread_records` keeps it.
fn by_office(
    first: &kuaibao::store::LocalReport,
    stage: kuaibao_core::Stage,
    template: &kuaibao_core::Template,
) -> kuaibao::store::LocalReport {
    let mut r = kuaibao::store::LocalReport::new_draft(new_report_id(), template, kuaibao::platform::now_ms());
    r.thread = Some(first.id);
    r.stage = stage;
    r.answers = first.answers.clone();
    r.answers.insert("reporter".into(), "周值班".into());
    r.answers.insert("phone".into(), "0835-1234567".into());
    r.status = crate::delivered(9);
    r.recovered = true;
    r.by_office = Some("周值班".into());
    r
}

/// What the office filed counts on the phone as at the office: its
/// closing finishes her hazard, its 续报 takes a number, and her next
/// draft starts from its figures with her own name and number, not the
/// officer's.
#[wasm_bindgen_test]
fn what_the_office_filed_in_her_thread_counts_on_her_phone() {
    use kuaibao_core::account::Role;
    use kuaibao_core::rules::catalogue;
    use kuaibao_core::Stage;
    let hazard = rectified_hazard();
    let closed = by_office(
        hazard.first(),
        Stage::Closed,
        catalogue::hazard_step(Stage::Closed).expect("a template for 验收销号"),
    );
    let mut records = hazard.records.clone();
    records.push(closed);
    let hazard = thread_of(&records, hazard.id).expect("thread");
    assert!(!hazard.awaits_office(Role::Reporter, &national(), now()), "closed");
    assert_eq!(
        hazard.next_stages(Role::Officer, &national(), now()),
        Vec::<Stage>::new()
    );

    let first = report(waiting(0.0));
    let mut his = by_office(&first, Stage::FollowUp { n: 1 }, first.template().expect("template"));
    his.answers.insert("injured".into(), "3".into());
    let thread = thread_of(&[first.clone(), his], first.id).expect("thread");
    assert_eq!(
        thread.next_stages(Role::Reporter, &national(), now()),
        vec![Stage::FollowUp { n: 2 }, Stage::Final]
    );
    let draft = thread
        .next_draft(Stage::FollowUp { n: 2 }, new_report_id(), kuaibao::platform::now_ms())
        .expect("a draft");
    assert_eq!(draft.answers.get("reporter"), first.answers.get("reporter"));
    assert_eq!(draft.answers.get("reporter").map(String::as_str), Some("李秀英"));
    assert_eq!(draft.answers.get("phone"), first.answers.get("phone"));
    // The office's figures are the latest.
    assert_eq!(draft.answers.get("injured").map(String::as_str), Some("3"));
}

/// A call logged after the 首报 (by her or by the office) does not start
/// her 续报: it is drafted on the 首报's template, from its answers.
#[wasm_bindgen_test]
fn a_follow_up_after_a_logged_call_starts_from_the_report_not_the_call() {
    use kuaibao_core::rules::catalogue;
    use kuaibao_core::Stage;
    let first = report(waiting(0.0));
    let call = by_office(&first, Stage::Call { n: 1 }, catalogue::call());
    let thread = thread_of(&[first.clone(), call], first.id).expect("thread");
    let draft = thread
        .next_draft(Stage::FollowUp { n: 1 }, new_report_id(), kuaibao::platform::now_ms())
        .expect("a draft");
    assert_eq!(draft.template_id, first.template_id);
    assert_eq!(draft.answers.get("place"), first.answers.get("place"));
}

/// A 日报's totals are newer than the 续报 before it: the next 日报, 续报
/// and 核报 start from them; a 续报 or 核报 asks its own progress line; a
/// 续报 shows what changed since the 首报, not since a call in between.
#[wasm_bindgen_test]
fn the_next_draft_starts_from_the_newest_figures_and_asks_its_own_progress() {
    use kuaibao::store::{LocalReport, Status};
    use kuaibao_core::rules::catalogue;
    use kuaibao_core::Stage;
    let written = |minutes: i64| Status::Waiting {
        written_at: kuaibao::platform::now_local() - Duration::minutes(60 - minutes),
        attempts: 0,
        next_try_ms: 0.0,
        last_error: None,
    };
    let flood = catalogue::find("flood", 2).expect("flood v2");
    let record = |template, stage, minutes, answers: &[(&str, &str)]| {
        let mut r = LocalReport::new_draft(new_report_id(), template, kuaibao::platform::now_ms());
        r.stage = stage;
        r.status = written(minutes);
        for (k, v) in answers {
            r.answers.insert((*k).into(), (*v).into());
        }
        r
    };
    let first = record(flood, Stage::Initial, 0, &[("affected", "120"), ("reporter", "李秀英")]);
    let mut later = vec![
        record(
            flood,
            Stage::FollowUp { n: 1 },
            10,
            &[
                ("affected", "120"),
                ("progress", "已转移 30 户"),
                ("reporter", "李秀英"),
            ],
        ),
        record(catalogue::call(), Stage::Call { n: 1 }, 15, &[]),
        record(
            catalogue::daily(),
            Stage::Daily {
                date: kuaibao::platform::now_local().date_naive(),
            },
            20,
            &[
                ("affected", "800"),
                ("change", "unchanged"),
                ("daily_note", "昨日无新增"),
                ("reporter", "李秀英"),
            ],
        ),
    ];
    for r in &mut later {
        r.thread = Some(first.id);
    }
    let mut records = vec![first.clone()];
    records.extend(later.iter().cloned());
    let thread = thread_of(&records, first.id).expect("thread");
    let draft = |stage| {
        thread
            .next_draft(stage, new_report_id(), kuaibao::platform::now_ms())
            .expect("a draft")
    };
    let tomorrow = Stage::Daily {
        date: kuaibao::platform::now_local().date_naive() + Duration::days(1),
    };
    for stage in [tomorrow, Stage::FollowUp { n: 2 }, Stage::Final] {
        let d = draft(stage);
        assert_eq!(d.answers.get("affected").map(String::as_str), Some("800"), "{stage:?}");
        assert_eq!(
            d.answers.get("progress"),
            None,
            "{stage:?}: its own progress, not 续报一's"
        );
        assert_eq!(
            d.answers.get("reporter").map(String::as_str),
            Some("李秀英"),
            "{stage:?}"
        );
    }
    assert_eq!(draft(Stage::Final).template_id, "flood");
    assert_eq!(draft(tomorrow).template_id, "disaster_daily");
    // What a 日报 said of its own day is chosen afresh the next.
    assert_eq!(draft(tomorrow).answers.get("change"), None);
    assert_eq!(draft(tomorrow).answers.get("daily_note"), None);
    // A 日报 the office filed gives its totals, not its reporter.
    let mut by_office = later.clone();
    by_office[2].by_office = Some("新河区值班室".into());
    by_office[2].answers.insert("reporter".into(), "周值班".into());
    let mut records = vec![first.clone()];
    records.extend(by_office);
    let office_daily = thread_of(&records, first.id).expect("thread");
    let d = office_daily
        .next_draft(tomorrow, new_report_id(), kuaibao::platform::now_ms())
        .expect("a draft");
    assert_eq!(d.answers.get("affected").map(String::as_str), Some("800"));
    assert_eq!(d.answers.get("reporter").map(String::as_str), Some("李秀英"));
    assert_eq!(thread.before(later[0].id).map(|r| r.id), Some(first.id), "not the call");
}

/// The list shows the record the worker must act on: a refused 续报 filed
/// after a 日报 (which sorts after it) is not hidden by the 日报.
#[wasm_bindgen_test]
fn the_list_shows_a_refused_follow_up_not_the_daily_report_after_it() {
    use kuaibao::store::Status;
    use kuaibao_core::Stage;
    let today = kuaibao::platform::now_local().date_naive();
    let mut thread = flood_thread(&[Stage::Daily { date: today }, Stage::FollowUp { n: 1 }]);
    for r in &mut thread.records {
        r.status = crate::delivered(1);
    }
    assert_eq!(
        thread.shown().stage,
        Stage::Daily { date: today },
        "all delivered: the latest"
    );
    let follow_up = thread
        .records
        .iter()
        .position(|r| r.stage == Stage::FollowUp { n: 1 })
        .expect("the 续报");
    thread.records[follow_up].status = waiting(0.0);
    assert_eq!(thread.shown().stage, Stage::FollowUp { n: 1 }, "still on its way");
    for r in &mut thread.records {
        r.status = waiting(0.0);
    }
    assert_eq!(
        thread.shown().stage,
        Stage::Daily { date: today },
        "all on their way: the latest"
    );
    for r in &mut thread.records {
        r.status = crate::delivered(1);
    }
    thread.records[follow_up].status = Status::Rejected {
        written_at: kuaibao::platform::now_local(),
        reason: "报告有 1 处需改正".into(),
        fields: Vec::new(),
        id_taken: false,
    };
    assert_eq!(thread.shown().stage, Stage::FollowUp { n: 1 }, "refused: hers to fix");
}

/// A 续报 begun as 续报一 is filed as 续报二 when the office filed a 续报一
/// for her meanwhile; a number still free is kept, and so is a fix's.
#[wasm_bindgen_test]
fn a_follow_up_is_filed_under_the_next_number_free() {
    use kuaibao::threads::filed_stage;
    use kuaibao_core::rules::catalogue;
    use kuaibao_core::Stage;
    let first = report(waiting(0.0));
    let mut mine = report(kuaibao::store::Status::Draft);
    mine.thread = Some(first.id);
    mine.stage = Stage::FollowUp { n: 1 };
    assert_eq!(
        filed_stage(&[first.clone(), mine.clone()], &mine),
        Stage::FollowUp { n: 1 }
    );
    let his = by_office(&first, Stage::FollowUp { n: 1 }, first.template().expect("template"));
    let call = by_office(&first, Stage::Call { n: 1 }, catalogue::call());
    let all = [first.clone(), his, call, mine.clone()];
    assert_eq!(filed_stage(&all, &mine), Stage::FollowUp { n: 2 });
    // Another thread's 续报 takes no number here.
    let other = report(waiting(0.0));
    let elsewhere = by_office(&other, Stage::FollowUp { n: 3 }, other.template().expect("template"));
    assert_eq!(
        filed_stage(&[first.clone(), elsewhere, mine.clone()], &mine),
        Stage::FollowUp { n: 1 }
    );
    // A refused 续报一 fixed after 续报二 went: still 续报一, its number free.
    let two = by_office(&first, Stage::FollowUp { n: 2 }, first.template().expect("template"));
    assert_eq!(
        filed_stage(&[first, two, mine.clone()], &mine),
        Stage::FollowUp { n: 1 }
    );
}

//! Who may add a record to a thread. Reads are scoped by area (a reporter
//! her own records, an officer his area and below); writes are held to the
//! same care, because a record in a thread speaks for the incident: a forged
//! 终报 would close it, a forged 验收销号 would close a hazard.
//!
//! A thread is held by the author and area of its first record (its 首报 or
//! finding). Phones deliver whenever they find a signal, so a later record
//! may arrive before the first one; until the first arrives, the earliest
//! stored record stands in for it, and that record was itself judged by
//! these rules when it arrived.
//!
//! The rules, for a record that joins an existing thread:
//! - 续报, 终报, a logged call (电话报告, the phone's button or the desk's
//!   "received call") and a hazard's 整改中 / 已整改: the thread's own
//!   reporter, or an officer or administrator whose area is the thread's or
//!   above it;
//! - 验收销号 (closing a hazard): only an officer or administrator of the
//!   thread's area or above, never the reporter, who would be verifying her
//!   own rectification.
//!
//! The office's acts on a thread (acknowledging it, asking for a follow-up,
//! signing its written report) are an officer's or administrator's of the
//! thread's area or above ([`may_answer`]), as its closing is.
//!
//! A first record (its id is the thread's id) starts a thread and needs no
//! permission while nothing of its thread is stored: an id stored already
//! is refused as a conflict before these rules are asked. When later
//! records of its thread arrived before it ([`may_start`]), it joins them
//! if it shows the key its id was made from ([`ThreadKey`]: only the
//! thread's maker has it), or else if they are its own author's. The first
//! record holds the thread once it arrives, so a stranger's 首报 sent under
//! a known thread id would otherwise take the thread, and its reporter's
//! 续报 with it. Not even an office may: its first record would hold the
//! thread, and the reporter could add nothing more. A later record naming
//! a thread of which nothing is stored yet starts holding it (its first
//! record is still on its way, and with its key takes the thread back); a
//! closing record still needs an office role.
//!
//! [`ThreadKey`]: crate::wire::ids::ThreadKey
//!
//! Records stored before accounts existed have no author or area: only an
//! office account of a root area (the whole deployment) may write there.

use crate::account::Role;
use crate::rules::stage::Stage;
use crate::text::Text;
use crate::wire::error::{ErrorCode, FieldError};

/// The account that sends a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Writer<'a> {
    pub user_id: &'a str,
    pub role: Role,
    /// `/root/…/area/`, as the server keeps area paths.
    pub area_path: &'a str,
}

/// Who holds a thread: the author and area path of its first record (or,
/// until that arrives, of its earliest stored one). `None` for a record
/// stored before accounts existed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder<'a> {
    pub author_id: Option<&'a str>,
    pub area_path: Option<&'a str>,
}

/// Why a record may not join a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Neither the thread's reporter nor an office account above it.
    #[error("not the thread's reporter nor an officer of its area")]
    NotYourThread,
    /// Closing a hazard is the office's verification.
    #[error("only an officer of the thread's area may verify and close a hazard")]
    OfficeOnly,
    /// An office act (acknowledging, asking for a follow-up, signing) by an
    /// office that is not the thread's area or above it.
    #[error("only an officer of the thread's area or above may answer for it")]
    NotAbove,
}

impl Refusal {
    /// What the worker reads: what happened and what to do next.
    pub fn text(self) -> Text {
        match self {
            Refusal::NotYourThread => Text::new(
                "此事件不是您上报的，也不在您的辖区内，不能向它添加记录。请新建一份报告，或请本辖区值班员处理。",
                "This thread is neither yours nor in your area: you cannot add records to it. \
                 File a new report, or ask the duty officer of its area.",
            ),
            Refusal::OfficeOnly => Text::new(
                "隐患验收销号须由本辖区值班员完成。请联系值班员到现场验收。",
                "Only a duty officer of the thread's area may verify and close a hazard. \
                 Ask the duty officer to verify it on site.",
            ),
            Refusal::NotAbove => Text::new(
                "此事件不归您的辖区办理，您不能确认收到、请求续报或签发。请由事件所在辖区或上级值班员办理。",
                "This thread is not your area's to handle: you cannot acknowledge it, ask for a follow-up or sign it. \
                 Ask a duty officer of its area or above.",
            ),
        }
    }
}

/// The most records one thread may hold: more than a year of what the
/// busiest shipped rules ask for every day (the provincial example's 续报
/// at 08:00 and 17:00 and the national 日报 at 09:00: a drought's, say),
/// with calls and steps besides (tested). Every reader of a thread (the
/// duty office's inbox, the written report) loads all of its records, so
/// the thread's own reporter must not be able to grow it without end.
pub const MAX_RECORDS_PER_THREAD: usize = 1200;

/// The refusal of a record for a thread that holds
/// [`MAX_RECORDS_PER_THREAD`] already.
pub fn thread_full() -> FieldError {
    FieldError::new(
        "thread",
        ErrorCode::TooLong,
        format!("此事件已有 {MAX_RECORDS_PER_THREAD} 条记录，不能再添加。请新建一份报告接着报送，并在事件经过中写明接续哪一事件。"),
        format!(
            "This thread holds {MAX_RECORDS_PER_THREAD} records, the most it may: file a new report to go on, \
             and say in it which thread it continues."
        ),
    )
}

/// Whether `writer` may add a record of `stage` to a thread held by
/// `holder` (`None`: nothing of the thread is stored yet). A first record
/// ([`Stage::Initial`]) is judged by [`may_start`], as one without a key.
pub fn may_add(stage: Stage, writer: &Writer<'_>, holder: Option<&Holder<'_>>) -> Result<(), Refusal> {
    if stage == Stage::Initial {
        return may_start(writer, holder, false);
    }
    let office = match holder {
        Some(holder) => is_office_above(writer, holder.area_path),
        // Nothing to judge the area by: the record will itself hold the
        // thread, in the writer's own area.
        None => writer.role.reads_area(),
    };
    if stage == Stage::Closed {
        return if office { Ok(()) } else { Err(Refusal::OfficeOnly) };
    }
    let own = match holder {
        Some(holder) => holder.author_id == Some(writer.user_id),
        None => true,
    };
    if own || office {
        Ok(())
    } else {
        Err(Refusal::NotYourThread)
    }
}

/// Whether `writer` may store the first record of a thread held by
/// `holder` (`None`: nothing of it is stored), `keyed` if the record shows
/// the key its id was made from. The server asks this in the insert itself
/// (`db::reports`), so that a 首报 costs no query before it.
pub fn may_start(writer: &Writer<'_>, holder: Option<&Holder<'_>>, keyed: bool) -> Result<(), Refusal> {
    match holder {
        Some(holder) if !keyed && holder.author_id != Some(writer.user_id) => Err(Refusal::NotYourThread),
        _ => Ok(()),
    }
}

/// Whether `writer`, an office account that reads some record of the
/// thread, may answer for the thread held by `holder` (`None`: nothing of
/// it is stored): acknowledge it, ask its reporter for a follow-up, sign
/// its written report. Only an office of the thread's area or above, as
/// for closing it: reading a record is not enough (records are routed to
/// their thread's area, but a record stored before that was so may sit in
/// another area, whose office reads it but does not answer for the
/// thread).
pub fn may_answer(writer: &Writer<'_>, holder: Option<&Holder<'_>>) -> Result<(), Refusal> {
    match holder {
        Some(holder) if is_office_above(writer, holder.area_path) => Ok(()),
        _ => Err(Refusal::NotAbove),
    }
}

/// Whether an account with `role` may add a record of `stage` to a thread
/// it holds itself: the phone's question about its own threads, where it
/// knows the role but not the server's area paths. Only the closing of a
/// hazard depends on it.
pub fn may_add_to_own(stage: Stage, role: Role) -> Result<(), Refusal> {
    let writer = Writer {
        user_id: "",
        role,
        area_path: "",
    };
    let own = Holder {
        author_id: Some(""),
        area_path: Some(""),
    };
    may_add(stage, &writer, Some(&own))
}

/// An officer or administrator whose area is `area_path` or above it; for
/// a thread with no area (before accounts), one of a root area.
pub fn is_office_above(writer: &Writer<'_>, area_path: Option<&str>) -> bool {
    if !writer.role.reads_area() {
        return false;
    }
    match area_path {
        Some(path) => path.starts_with(writer.area_path),
        None => is_root_path(writer.area_path),
    }
}

/// `/root/`: an area with no parent.
pub fn is_root_path(path: &str) -> bool {
    path.strip_prefix('/')
        .and_then(|rest| rest.strip_suffix('/'))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRID_A: &str = "/d/t1/v1/g1/";
    const GRID_B: &str = "/d/t2/v1/g1/";

    fn writer(user_id: &'static str, role: Role, area_path: &'static str) -> Writer<'static> {
        Writer {
            user_id,
            role,
            area_path,
        }
    }

    fn held_by(author: &'static str, area: &'static str) -> Holder<'static> {
        Holder {
            author_id: Some(author),
            area_path: Some(area),
        }
    }

    // A logged call (电话报告) is held to the same rule as a 续报.
    const LATER: [Stage; 6] = [
        Stage::Call { n: 1 },
        Stage::FollowUp { n: 1 },
        Stage::Final,
        Stage::Rectifying,
        Stage::Rectified,
        Stage::Closed,
    ];

    #[test]
    fn a_thread_holds_a_year_of_what_the_busiest_shipped_rules_ask_every_day() {
        use crate::rules::deadlines::file::read;
        let mut busiest = 0;
        for name in [
            "national.json",
            "provincial-example.json",
            "city-example.json",
            "county-example.json",
        ] {
            let path = format!("{}/../../rules/{name}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let set = read(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let a_day: usize = set.rules.iter().map(|r| r.daily_at.len()).sum();
            busiest = busiest.max(a_day);
        }
        assert!(busiest >= 3, "the provincial example asks three a day");
        // A leap year of them, a call a week, and the first record and 终报.
        let a_year = busiest * 366 + 53 + 2;
        assert!(
            a_year <= MAX_RECORDS_PER_THREAD,
            "{a_year} records a year, over the bound of {MAX_RECORDS_PER_THREAD}"
        );
    }

    #[test]
    fn a_first_record_starts_its_thread_or_joins_only_its_own_authors_records() {
        let stranger = writer("b", Role::Reporter, GRID_B);
        assert_eq!(may_add(Stage::Initial, &stranger, None), Ok(()));
        // Its 续报 arrived first: the 首报 is the same reporter's to send.
        let own = writer("a", Role::Reporter, GRID_A);
        assert_eq!(may_add(Stage::Initial, &own, Some(&held_by("a", GRID_A))), Ok(()));
        // Anyone else's would take the thread: a stranger, a neighbour, even
        // the office above (the reporter could then add nothing more).
        for other in [
            stranger,
            writer("c", Role::Reporter, GRID_A),
            writer("o", Role::Officer, "/d/t1/"),
            writer("o", Role::Admin, "/d/"),
        ] {
            assert_eq!(
                may_add(Stage::Initial, &other, Some(&held_by("a", GRID_A))),
                Err(Refusal::NotYourThread),
                "{other:?}"
            );
        }
        // Before accounts: nobody's.
        let legacy = Holder {
            author_id: None,
            area_path: None,
        };
        assert_eq!(
            may_add(Stage::Initial, &writer("o", Role::Admin, "/d/"), Some(&legacy)),
            Err(Refusal::NotYourThread)
        );
        // With the key its id was made from, the thread's maker takes the
        // thread back from whatever arrived before.
        assert_eq!(may_start(&stranger, Some(&held_by("a", GRID_A)), true), Ok(()));
        assert_eq!(may_start(&stranger, Some(&legacy), true), Ok(()));
        assert_eq!(
            may_start(&stranger, Some(&held_by("a", GRID_A)), false),
            Err(Refusal::NotYourThread)
        );
    }

    /// The office of the thread's area or above answers for it; an office
    /// beside it (which may read a record the reporter filed after moving)
    /// does not, nor does anyone for a thread of which nothing is stored.
    #[test]
    fn only_an_office_at_or_above_the_holder_answers_for_a_thread() {
        let held = held_by("a", GRID_A);
        for area in [GRID_A, "/d/t1/v1/", "/d/t1/", "/d/"] {
            for role in [Role::Officer, Role::Admin] {
                let office = writer("o", role, area);
                assert_eq!(may_answer(&office, Some(&held)), Ok(()), "{role:?} of {area}");
            }
        }
        // Beside it, below it, a prefix that is not a parent (t10 is not
        // t1), or a reporter, even its own.
        let held_at_township = held_by("a", "/d/t1/");
        for area in [GRID_B, "/d/t2/", "/d/t10/", "/d/t1/v1/"] {
            assert_eq!(
                may_answer(&writer("o", Role::Officer, area), Some(&held_at_township)),
                Err(Refusal::NotAbove),
                "{area}"
            );
        }
        assert_eq!(
            may_answer(&writer("a", Role::Reporter, GRID_A), Some(&held)),
            Err(Refusal::NotAbove)
        );
        // Nothing of it stored: nothing to answer for.
        assert_eq!(
            may_answer(&writer("o", Role::Admin, "/d/"), None),
            Err(Refusal::NotAbove)
        );
        // Before accounts: a root office only.
        let legacy = Holder {
            author_id: None,
            area_path: None,
        };
        assert_eq!(may_answer(&writer("o", Role::Admin, "/d/"), Some(&legacy)), Ok(()));
        assert_eq!(
            may_answer(&writer("o", Role::Officer, "/d/t1/"), Some(&legacy)),
            Err(Refusal::NotAbove)
        );
        assert!(Refusal::NotAbove.text().zh.contains("值班员"));
    }

    #[test]
    fn the_threads_reporter_adds_every_stage_but_the_closing() {
        let me = writer("a", Role::Reporter, GRID_A);
        let mine = held_by("a", GRID_A);
        for stage in LATER {
            let expected = if stage == Stage::Closed {
                Err(Refusal::OfficeOnly)
            } else {
                Ok(())
            };
            assert_eq!(may_add(stage, &me, Some(&mine)), expected, "{stage:?}");
        }
    }

    #[test]
    fn another_reporter_adds_nothing_even_in_the_same_grid() {
        let held = held_by("a", GRID_A);
        for area in [GRID_A, GRID_B] {
            let other = writer("b", Role::Reporter, area);
            for stage in LATER {
                let expected = if stage == Stage::Closed {
                    Refusal::OfficeOnly
                } else {
                    Refusal::NotYourThread
                };
                assert_eq!(
                    may_add(stage, &other, Some(&held)),
                    Err(expected),
                    "{stage:?} from {area}"
                );
            }
        }
    }

    #[test]
    fn an_officer_at_or_above_the_area_adds_every_stage() {
        let held = held_by("a", GRID_A);
        for area in [GRID_A, "/d/t1/", "/d/"] {
            for role in [Role::Officer, Role::Admin] {
                let officer = writer("o", role, area);
                for stage in LATER {
                    assert_eq!(
                        may_add(stage, &officer, Some(&held)),
                        Ok(()),
                        "{stage:?} by {role:?} of {area}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_officer_of_another_or_a_lower_area_adds_nothing() {
        // Held at the township: the grid's officer is below it.
        let held = held_by("a", "/d/t1/");
        for area in [GRID_B, "/d/t2/", "/d/t1/v1/g1/", "/d/t10/"] {
            let officer = writer("o", Role::Officer, area);
            for stage in LATER {
                let expected = if stage == Stage::Closed {
                    Refusal::OfficeOnly
                } else {
                    Refusal::NotYourThread
                };
                assert_eq!(
                    may_add(stage, &officer, Some(&held)),
                    Err(expected),
                    "{stage:?} from {area}"
                );
            }
        }
    }

    #[test]
    fn a_sibling_area_whose_code_starts_alike_is_not_above() {
        // `/d/t1` is a prefix of `/d/t10/` as text, not as a path: paths end
        // with `/`, so `/d/t1/` is not.
        let officer = writer("o", Role::Officer, "/d/t1/");
        let held = held_by("a", "/d/t10/g/");
        assert_eq!(
            may_add(Stage::Final, &officer, Some(&held)),
            Err(Refusal::NotYourThread)
        );
    }

    #[test]
    fn a_thread_not_yet_stored_is_held_by_its_first_arrival_but_closing_needs_an_office() {
        let reporter = writer("a", Role::Reporter, GRID_A);
        assert_eq!(may_add(Stage::FollowUp { n: 2 }, &reporter, None), Ok(()));
        assert_eq!(may_add(Stage::Rectified, &reporter, None), Ok(()));
        assert_eq!(may_add(Stage::Closed, &reporter, None), Err(Refusal::OfficeOnly));
        let officer = writer("o", Role::Officer, GRID_A);
        assert_eq!(may_add(Stage::Closed, &officer, None), Ok(()));
    }

    #[test]
    fn threads_from_before_accounts_are_the_root_offices_alone() {
        let legacy = Holder {
            author_id: None,
            area_path: None,
        };
        assert_eq!(
            may_add(Stage::Final, &writer("r", Role::Admin, "/d/"), Some(&legacy)),
            Ok(())
        );
        assert_eq!(
            may_add(Stage::Closed, &writer("r", Role::Officer, "/d/"), Some(&legacy)),
            Ok(())
        );
        assert_eq!(
            may_add(Stage::Final, &writer("t", Role::Admin, "/d/t1/"), Some(&legacy)),
            Err(Refusal::NotYourThread)
        );
        assert_eq!(
            may_add(Stage::Final, &writer("a", Role::Reporter, "/d/"), Some(&legacy)),
            Err(Refusal::NotYourThread)
        );
    }

    #[test]
    fn on_its_own_thread_a_reporter_may_do_all_but_close() {
        for stage in LATER {
            for role in [Role::Reporter, Role::Officer, Role::Admin] {
                let expected = if stage == Stage::Closed && role == Role::Reporter {
                    Err(Refusal::OfficeOnly)
                } else {
                    Ok(())
                };
                assert_eq!(may_add_to_own(stage, role), expected, "{stage:?} by {role:?}");
            }
        }
    }

    #[test]
    fn root_paths_have_one_segment() {
        assert!(is_root_path("/d/"));
        assert!(!is_root_path("/d/t1/"));
        assert!(!is_root_path("//"));
        assert!(!is_root_path("d/"));
        assert!(!is_root_path("/d"));
    }

    #[test]
    fn every_refusal_says_what_to_do_in_chinese_first() {
        for refusal in [Refusal::NotYourThread, Refusal::OfficeOnly] {
            let text = refusal.text();
            assert!(text.get(crate::Lang::Zh).contains("值班员"), "{refusal:?}");
            assert!(!text.get(crate::Lang::En).is_empty());
        }
    }
}

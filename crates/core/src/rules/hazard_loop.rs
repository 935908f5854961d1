//! The order of a hazard's steps (the closed loop 隐患自查、自改、自报闭环,
//! `001_…txt`): found → 整改中 (optional) → 已整改 → 验收销号.
//!
//! - 整改中 (rectifying) and 已整改 (rectified) belong to a hazard's
//!   thread, never an incident's; 已整改 may come with or without a 整改中
//!   before it (a small fix may be done at once);
//! - 验收销号 (closed) follows an 已整改: one verifies a rectification that
//!   was reported done, with its after-photos;
//! - nothing follows 验收销号: a new problem at the same place is a new
//!   hazard, so the closed one's record stays what was verified.
//!
//! The server judges a step against the records of its thread that it has
//! stored. A worker's phone offers only the next step and sends a thread's
//! records one after another, earliest first (`src/sync/outbox.rs`); a step
//! that still arrives before its finding (an older phone, another client)
//! is not refused but asked again later ([`OutOfOrder::FindingNotYetStored`],
//! answered 425): refusing it would leave the worker a rejected record to
//! mend for no fault of hers, and taking it would let a thread hold a
//! rectification of nothing. The closing is the desk's, which offers it
//! only once the server holds the 已整改, so it is held strictly. A replay
//! of a stored step is never judged again (its thread has moved on since).

use crate::rules::stage::Stage;
use crate::rules::template::Family;
use crate::text::Text;

/// Why a step cannot follow what the thread holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OutOfOrder {
    /// 整改中 or 已整改 in a thread whose stored records are no hazard's.
    #[error("this thread is not a hazard's")]
    NotAHazard,
    /// 验收销号 before any 已整改.
    #[error("the hazard is not reported rectified yet")]
    NotRectified,
    /// Anything after 验收销号.
    #[error("the hazard is closed already")]
    Closed,
    /// 整改中 or 已整改 while nothing of its thread is stored: the finding
    /// is still on its way. Not a refusal: the sender tries again later.
    #[error("the hazard's finding has not arrived yet")]
    FindingNotYetStored,
}

impl OutOfOrder {
    /// What the worker or officer reads: what is wrong and what to do.
    pub fn text(self) -> Text {
        match self {
            OutOfOrder::NotAHazard => Text::new(
                "这是一起事件，不是隐患，不能报送整改情况。请在对应的隐患下报送，或新报一条隐患。",
                "This thread is an incident, not a hazard: no rectification can be filed in it. \
                 File it under its hazard, or report a new hazard.",
            ),
            OutOfOrder::NotRectified => Text::new(
                "此隐患尚未报送“已整改”（附整改后照片），不能验收销号。请责任人先报送已整改，再到现场验收。",
                "This hazard is not reported rectified (with photos after) yet, so it cannot be closed. \
                 Have it reported rectified first, then verify on site.",
            ),
            OutOfOrder::Closed => Text::new(
                "此隐患已验收销号，不能再添加记录。如发现新问题，请新报一条隐患。",
                "This hazard is verified and closed: no more records can be added. \
                 Report a new hazard for a new problem.",
            ),
            OutOfOrder::FindingNotYetStored => Text::new(
                "此隐患的首次报告尚未送达值班室，整改情况将在其送达后自动发送，无需操作。",
                "This hazard's first report has not reached the duty office yet; the rectification \
                 is sent by itself once it has. Nothing to do.",
            ),
        }
    }
}

/// Whether a record of `stage` may join a thread whose stored records are
/// `stored` (each its stage and its template's family, in any order). Only
/// hazard steps are judged; any other stage is `Ok`.
pub fn may_follow(stage: Stage, stored: &[(Stage, Family)]) -> Result<(), OutOfOrder> {
    if !stage.is_hazard_step() {
        return Ok(());
    }
    let has = |s: Stage| stored.iter().any(|&(t, _)| t == s);
    let of_a_hazard = stored
        .iter()
        .any(|&(_, family)| matches!(family, Family::Hazard | Family::HazardStep { .. }));
    if has(Stage::Closed) {
        return Err(OutOfOrder::Closed);
    }
    match stage {
        Stage::Rectifying | Stage::Rectified if stored.is_empty() => Err(OutOfOrder::FindingNotYetStored),
        Stage::Closed if !has(Stage::Rectified) => Err(OutOfOrder::NotRectified),
        Stage::Rectifying | Stage::Rectified if !of_a_hazard => Err(OutOfOrder::NotAHazard),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::catalogue::GENERAL_INCIDENT;

    const FOUND: (Stage, Family) = (Stage::Initial, Family::Hazard);
    const RECTIFYING: (Stage, Family) = (
        Stage::Rectifying,
        Family::HazardStep {
            stage: Stage::Rectifying,
        },
    );
    const RECTIFIED: (Stage, Family) = (
        Stage::Rectified,
        Family::HazardStep {
            stage: Stage::Rectified,
        },
    );
    const CLOSED: (Stage, Family) = (Stage::Closed, Family::HazardStep { stage: Stage::Closed });

    #[test]
    fn rectifying_and_rectified_follow_the_finding_or_its_steps() {
        for step in [Stage::Rectifying, Stage::Rectified] {
            assert_eq!(may_follow(step, &[FOUND]), Ok(()), "{step:?}");
            assert_eq!(may_follow(step, &[FOUND, RECTIFYING]), Ok(()), "{step:?}");
            // Behind another step whose finding was stored before this
            // rule (kept as the threads of older servers hold them).
            assert_eq!(may_follow(step, &[RECTIFYING]), Ok(()), "{step:?}");
        }
    }

    #[test]
    fn a_step_before_its_finding_is_asked_again_later() {
        for step in [Stage::Rectifying, Stage::Rectified] {
            assert_eq!(may_follow(step, &[]), Err(OutOfOrder::FindingNotYetStored), "{step:?}");
        }
        // The closing is never early, only out of order.
        assert_eq!(may_follow(Stage::Closed, &[]), Err(OutOfOrder::NotRectified));
    }

    #[test]
    fn an_incidents_thread_takes_no_rectification() {
        let first = (Stage::Initial, GENERAL_INCIDENT.family);
        let follow_up = (Stage::FollowUp { n: 1 }, GENERAL_INCIDENT.family);
        for stored in [vec![first], vec![follow_up], vec![first, follow_up]] {
            assert_eq!(may_follow(Stage::Rectifying, &stored), Err(OutOfOrder::NotAHazard));
            assert_eq!(may_follow(Stage::Rectified, &stored), Err(OutOfOrder::NotAHazard));
            assert_eq!(may_follow(Stage::Closed, &stored), Err(OutOfOrder::NotRectified));
        }
    }

    #[test]
    fn the_closing_follows_a_rectification() {
        assert_eq!(may_follow(Stage::Closed, &[]), Err(OutOfOrder::NotRectified));
        assert_eq!(may_follow(Stage::Closed, &[FOUND]), Err(OutOfOrder::NotRectified));
        assert_eq!(
            may_follow(Stage::Closed, &[FOUND, RECTIFYING]),
            Err(OutOfOrder::NotRectified)
        );
        assert_eq!(may_follow(Stage::Closed, &[FOUND, RECTIFIED]), Ok(()));
        assert_eq!(may_follow(Stage::Closed, &[RECTIFIED, RECTIFYING, FOUND]), Ok(()));
    }

    #[test]
    fn nothing_follows_the_closing() {
        let closed = [FOUND, RECTIFIED, CLOSED];
        for step in [Stage::Rectifying, Stage::Rectified, Stage::Closed] {
            assert_eq!(may_follow(step, &closed), Err(OutOfOrder::Closed), "{step:?}");
        }
    }

    #[test]
    fn incident_stages_are_not_judged_here() {
        for stage in [Stage::Initial, Stage::FollowUp { n: 1 }, Stage::Final] {
            assert_eq!(may_follow(stage, &[]), Ok(()));
            assert_eq!(may_follow(stage, &[FOUND, CLOSED]), Ok(()));
        }
    }

    #[test]
    fn every_refusal_says_what_to_do_in_chinese_first() {
        for e in [OutOfOrder::NotAHazard, OutOfOrder::NotRectified, OutOfOrder::Closed] {
            assert!(e.text().zh.contains('请'), "{e:?}");
            assert!(!e.text().en.is_empty());
        }
    }
}

//! The rules a record new to the server is held to on top of validation:
//! its evidence (`kuaibao_core::rules::evidence`, with what its thread
//! announced before), a work-safety accident's grade not below its figures
//! (`kuaibao_core::rules::validate::graded_below_figures`) and, for a hazard's step, its
//! place in the loop (`kuaibao_core::rules::hazard_loop`). A replay of a stored
//! record skips them: it was judged when it was stored, and its thread may
//! have moved on since (a replayed 已整改 of a hazard closed meanwhile must
//! still get its receipt).

use kuaibao_core::rules::{evidence, hazard_loop};
use kuaibao_core::{ErrorCode, FieldError, Lang, Report, Stage, Template};

use super::error::AppError;
use crate::db::{admission, Pool};

/// 422 naming the photo blank for missing evidence, or the stage for a
/// step out of order; 425 for a step whose finding has not arrived (the
/// sender tries again). Nothing is stored in any case.
///
/// Whether the record is a replay is asked only when a rule would refuse
/// it: a record the rules admit is admitted either way, and most records
/// are new and admitted, so most cost no query here (the ingest path's
/// round trips are its throughput on PostgreSQL).
pub async fn admit_new(pool: &Pool, report: &Report, template: &Template) -> Result<(), AppError> {
    let mut errors = evidence::check(template, report, evidence::Earlier::default());
    // The evidence is the event's: a later record that lacks it may have
    // it from its thread (asked only then, so most records cost no query).
    if !errors.is_empty() && report.stage != Stage::Initial {
        let mimes = admission::thread_media(pool, report.thread_id()).await?;
        errors = evidence::check(
            template,
            report,
            evidence::Earlier::of(mimes.iter().map(String::as_str)),
        );
    }
    errors.extend(kuaibao_core::rules::validate::graded_below_figures(template, report));
    let out_of_order = if report.stage.is_hazard_step() {
        let stored = admission::thread_stages(pool, report.thread_id()).await?;
        hazard_loop::may_follow(report.stage, &stored).err()
    } else {
        None
    };
    if (errors.is_empty() && out_of_order.is_none()) || admission::is_stored(pool, report.id).await? {
        return Ok(());
    }
    if let Some(out) = out_of_order {
        let text = out.text();
        if out == hazard_loop::OutOfOrder::FindingNotYetStored {
            return Err(AppError::TooEarly(format!(
                "{} / {}",
                text.get(Lang::Zh),
                text.get(Lang::En)
            )));
        }
        tracing::warn!(id = %report.id, thread = %report.thread_id(), "record refused: {out}");
        errors.push(FieldError::new(
            "stage",
            ErrorCode::StageNotAllowed,
            text.get(Lang::Zh),
            text.get(Lang::En),
        ));
    }
    Err(AppError::InvalidReport(errors))
}

//! The rules a record new to the server is held to on top of validation:
//! its evidence (`kuaibao_core::rules::evidence`) and, for a hazard's step, its
//! place in the loop (`kuaibao_core::rules::hazard_loop`). A replay of a stored
//! record skips them: it was judged when it was stored, and its thread may
//! have moved on since (a replayed 已整改 of a hazard closed meanwhile must
//! still get its receipt).

use kuaibao_core::rules::{evidence, hazard_loop};
use kuaibao_core::{ErrorCode, FieldError, Lang, Report, Template};

use super::error::AppError;
use crate::db::{admission, Pool};

/// 422 naming the photo blank for missing evidence, or the stage for a
/// step out of order; 425 for a step whose finding has not arrived (the
/// sender tries again). Nothing is stored in any case.
pub async fn admit_new(pool: &Pool, report: &Report, template: &Template) -> Result<(), AppError> {
    if admission::is_stored(pool, report.id).await? {
        return Ok(());
    }
    let mut errors = evidence::check(template, report);
    if report.stage.is_hazard_step() {
        let stored = admission::thread_stages(pool, report.thread_id()).await?;
        if let Err(out) = hazard_loop::may_follow(report.stage, &stored) {
            if out == hazard_loop::OutOfOrder::FindingNotYetStored {
                let text = out.text();
                return Err(AppError::TooEarly(format!(
                    "{} / {}",
                    text.get(Lang::Zh),
                    text.get(Lang::En)
                )));
            }
            tracing::warn!(id = %report.id, thread = %report.thread_id(), "record refused: {out}");
            let text = out.text();
            errors.push(FieldError::new(
                "stage",
                ErrorCode::StageNotAllowed,
                text.get(Lang::Zh),
                text.get(Lang::En),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::InvalidReport(errors))
    }
}

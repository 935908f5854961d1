//! Which drafts are left as they opened (`kuaibao::drafts::untouched`): a
//! kind tapped by mistake is thrown away as the worker goes back; anything
//! she typed, chose or photographed is kept.

use kuaibao::drafts::untouched;
use kuaibao::store::Status;
use kuaibao_core::{Grade, GradeDecision};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::{report, waiting};

#[wasm_bindgen_test]
fn a_draft_as_it_opened_is_untouched_and_any_edit_is_not() {
    // As opened: prefilled (reporter, phone, the time it became known).
    let opened = report(Status::Draft);
    assert!(untouched(&opened, &opened.clone(), false));

    // The position taken by itself as the form opened does not count.
    let mut located = opened.clone();
    located.answers.insert("location.lat".into(), "30.123456".into());
    located.answers.insert("location.lon".into(), "104.123456".into());
    assert!(untouched(&opened, &located, false));
    // Nor a blank that started empty and was emptied again.
    let mut emptied = opened.clone();
    emptied.answers.insert("casualties_note".into(), String::new());
    assert!(untouched(&opened, &emptied, false));

    // A word typed, a prefill changed or cleared, a grade chosen, a file
    // taken: kept.
    let mut typed = opened.clone();
    typed.answers.insert("casualties_note".into(), "两人".into());
    assert!(!untouched(&opened, &typed, false));
    let mut changed = opened.clone();
    changed.answers.insert("phone".into(), "13900002222".into());
    assert!(!untouched(&opened, &changed, false));
    let mut cleared = opened.clone();
    cleared.answers.insert("reporter".into(), String::new());
    assert!(!untouched(&opened, &cleared, false));
    let mut graded = opened.clone();
    graded.grade = Some(GradeDecision {
        suggested: Grade::IV,
        chosen: Grade::III,
        reason: "现场判断".into(),
    });
    assert!(!untouched(&opened, &graded, false));
    assert!(!untouched(&opened, &opened.clone(), true));

    // Submitted meanwhile: never a draft to throw away.
    let mut sent = opened.clone();
    sent.status = waiting(0.0);
    assert!(!untouched(&opened, &sent, false));
}

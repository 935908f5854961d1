//! The core judges every template's examples in the browser exactly as it
//! does natively: both compare with the one committed fixture.

use wasm_bindgen_test::wasm_bindgen_test;

const FIXTURE: &str = include_str!("../../crates/core/tests/fixtures/judgements.json");

#[wasm_bindgen_test]
fn every_template_example_is_judged_as_on_native() {
    let here = kuaibao_core::rules::examples::judgements();
    if here != FIXTURE {
        let line = here
            .lines()
            .zip(FIXTURE.lines())
            .position(|(a, b)| a != b)
            .map_or(0, |i| i + 1);
        panic!("wasm judges differently from the native fixture, first at line {line}");
    }
}

#[wasm_bindgen_test]
async fn every_offered_template_round_trips_through_the_phone_store() {
    use kuaibao::store::LocalReport;
    let store = crate::fresh_store().await;
    for template in kuaibao_core::rules::catalogue::offered() {
        let mut r = LocalReport::new_draft(kuaibao::platform::new_report_id(), template, 0.0);
        r.answers = kuaibao_core::rules::examples::filled(template);
        r.photos = kuaibao_core::rules::examples::photos(template);
        store.put(&r).await.expect("put");
        assert_eq!(store.get(r.id).await.expect("get"), Some(r), "{}", template.id);
    }
}

//! The validator's verdicts on the catalogue's examples, pinned in a fixture
//! that the browser tests compare with too, so the phone (wasm) and the
//! server (native) are seen to judge every template alike.

use kuaibao_core::rules::examples::judgements;

/// The fixture, as compiled in; the browser test includes the same file.
const FIXTURE: &str = include_str!("fixtures/judgements.json");
const FIXTURE_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/judgements.json");

#[test]
fn judgements_match_the_fixture() {
    let now = judgements();
    if std::env::var("KUAIBAO_BLESS").as_deref() == Ok("1") {
        std::fs::write(FIXTURE_PATH, &now).unwrap_or_else(|e| panic!("cannot write {FIXTURE_PATH}: {e}"));
        eprintln!("wrote {FIXTURE_PATH}; review the diff and commit it");
        return;
    }
    if now != FIXTURE {
        let line = now
            .lines()
            .zip(FIXTURE.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| now.lines().count().min(FIXTURE.lines().count()))
            + 1;
        panic!(
            "the validator's verdicts differ from {FIXTURE_PATH} (first at line {line}: now {:?}, fixture {:?}).\n\
             If the change is deliberate (a template or a validation rule changed), regenerate the fixture with\n\
             \n    KUAIBAO_BLESS=1 cargo test -p kuaibao-core --test examples\n\n\
             review `git diff crates/core/tests/fixtures/judgements.json` and commit it.",
            now.lines().nth(line - 1).unwrap_or(""),
            FIXTURE.lines().nth(line - 1).unwrap_or(""),
        );
    }
}

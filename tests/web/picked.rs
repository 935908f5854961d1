//! What a file picked from the gallery is taken as: a photo, a clip or
//! voice note of a kind the office takes, or a kind it does not (said as
//! such, not as a broken photo).

use kuaibao::photo::media::{is_media, is_unsupported_media};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn file(name: &str, kind: &str) -> web_sys::File {
    let options = web_sys::FilePropertyBag::new();
    options.set_type(kind);
    let parts = js_sys::Array::of1(&JsValue::from_str("bytes"));
    web_sys::File::new_with_str_sequence_and_options(&parts, name, &options).expect("a file")
}

#[wasm_bindgen_test]
fn a_picked_file_is_a_photo_a_clip_or_a_kind_not_taken() {
    for (name, kind) in [("IMG_0001.jpg", "image/jpeg"), ("scan.png", "image/png")] {
        let f = file(name, kind);
        assert!(!is_media(&f) && !is_unsupported_media(&f), "{kind}: a photo");
    }
    for (name, kind) in [
        ("VID_0001.mp4", "video/mp4"),
        ("clip.webm", "video/webm"),
        ("新录音.m4a", "audio/x-m4a"),
        ("voice.ogg", "audio/ogg"),
    ] {
        let f = file(name, kind);
        assert!(
            is_media(&f) && !is_unsupported_media(&f),
            "{kind}: taken as a clip or voice note"
        );
    }
    for (name, kind) in [
        ("录音.mp3", "audio/mpeg"),
        ("memo.amr", "audio/amr"),
        ("call.3gp", "audio/3gpp"),
        ("old.avi", "video/x-msvideo"),
    ] {
        let f = file(name, kind);
        assert!(is_unsupported_media(&f), "{kind}: said to be a kind not taken");
    }
}

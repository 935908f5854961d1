//! What a file picked from the gallery is taken as: a photo, a clip or
//! voice note of a kind the office takes, or a kind it does not (said as
//! such, not as a broken photo).

use kuaibao::photo::media::{add_media, is_media};
use kuaibao::photo::PhotoError;
use kuaibao_core::photo::media::Media;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn file(name: &str, kind: &str) -> web_sys::File {
    let options = web_sys::FilePropertyBag::new();
    options.set_type(kind);
    let parts = js_sys::Array::of1(&JsValue::from_str("bytes"));
    web_sys::File::new_with_str_sequence_and_options(&parts, name, &options).expect("a file")
}

#[wasm_bindgen_test]
async fn a_picked_file_is_a_photo_a_clip_or_a_kind_not_taken() {
    for (name, kind) in [("IMG_0001.jpg", "image/jpeg"), ("scan.png", "image/png")] {
        assert!(!is_media(&file(name, kind)), "{kind}: a photo");
    }
    for kind in ["video/mp4", "video/webm", "audio/x-m4a", "audio/ogg"] {
        assert!(Media::of(kind).is_some(), "{kind}: taken as a clip or voice note");
    }
    // Sound or video of a kind not taken: said so, not read as a photo.
    let store = crate::fresh_store().await;
    for (name, kind) in [
        ("录音.mp3", "audio/mpeg"),
        ("memo.amr", "audio/amr"),
        ("call.3gp", "audio/3gpp"),
        ("old.avi", "video/x-msvideo"),
    ] {
        let f = file(name, kind);
        assert!(is_media(&f), "{kind}: not a photo");
        match add_media(&store, kuaibao::platform::new_report_id(), "photos", &f, |_| {}).await {
            Err(e @ PhotoError::Unsupported(_)) => {
                assert!(e.to_string().starts_with("不支持这种文件"), "{e}");
                let english = e.message(kuaibao_core::Lang::En);
                assert!(
                    english.starts_with("This kind of file") && english.contains(kind),
                    "{english}"
                );
            }
            other => panic!("{kind}: expected a kind not taken, got {other:?}"),
        }
    }
    assert!(store.photos().await.expect("photos").is_empty(), "nothing stored");
}

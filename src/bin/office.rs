//! The duty office's entry point: install the crash recorder's panic hook
//! (as the phone's, `kuaibao::crash`) and mount the office. Everything else
//! lives in the library (`kuaibao::office`).

fn main() {
    kuaibao::crash::install();
    leptos::mount::mount_to_body(kuaibao::office::OfficeApp);
}

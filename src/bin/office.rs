//! The duty office's entry point: install the panic hook and mount the
//! office. Everything else lives in the library (`kuaibao::office`).

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(kuaibao::office::OfficeApp);
}

//! Entry point: install the panic hook (with crash records) and mount the app. Everything else
//! lives in the library.

fn main() {
    // The console's panic message as before, and a crash record (see
    // `kuaibao::crash`).
    kuaibao::crash::install();
    leptos::mount::mount_to_body(kuaibao::app::App);
}

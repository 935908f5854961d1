// `sqlx::migrate!` embeds migrations/ at compile time, but Cargo does not know
// the macro reads that folder: without this, a new migration file would not
// trigger a rebuild and the binary would ship without it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

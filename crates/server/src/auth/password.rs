//! Passwords: argon2id with a random salt, kept in PHC string form
//! (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), so the parameters travel with
//! each hash and can be raised later without breaking old ones.
//!
//! Hashing costs tens of milliseconds of CPU on purpose; callers on the
//! async runtime run it with `spawn_blocking`.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

/// The PHC string of `password` with a fresh salt.
pub fn hash(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches `phc`. A stored hash that cannot be read
/// matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// [`verify`] off the async runtime, at most one check per core at a time.
/// Each check takes 19 MiB and tens of milliseconds on purpose; a hundred
/// phones logging in at once must queue for the cores, not each take a
/// blocking thread and its memory (the allocator keeps what a thread used).
pub async fn verify_queued(password: String, phc: String) -> Result<bool, HashError> {
    use std::sync::OnceLock;
    use tokio::sync::Semaphore;
    static CHECKS: OnceLock<Semaphore> = OnceLock::new();
    let checks = CHECKS
        .get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)));
    let _permit = checks
        .acquire()
        .await
        .map_err(|e| HashError(format!("password checks closed: {e}")))?;
    tokio::task::spawn_blocking(move || verify(&password, &phc))
        .await
        .map_err(|e| HashError(format!("password check did not finish: {e}")))
}

/// A hash of nothing anyone can type, verified against when the username is
/// unknown, so that a wrong username costs as long as a wrong password and
/// timing does not tell which usernames exist.
pub fn decoy() -> &'static str {
    use std::sync::OnceLock;
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash("\u{0}no such user\u{0}").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = hash("correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(verify("correct horse", &phc));
        assert!(!verify("correct horse ", &phc));
        assert!(!verify("correct horse", "not a hash"));
        // A fresh salt each time.
        assert_ne!(phc, hash("correct horse").expect("hash"));
    }

    #[test]
    fn the_decoy_matches_no_typed_password() {
        assert!(decoy().starts_with("$argon2id$"));
        assert!(!verify("", decoy()));
    }
}

//! Passwords: argon2id with a random salt, kept in PHC string form
//! (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), so the parameters travel with
//! each hash and can be raised later without breaking old ones.
//!
//! A check costs tens of milliseconds of CPU and 19 MiB of memory on
//! purpose (argon2's defaults, m=19456 KiB, t=2, p=1: OWASP's minimum). The
//! server checks passwords through [`PasswordChecks`], which keeps both
//! bounded whatever the clients do:
//!
//! - **A few workers.** At most `workers` checks run at once, each on a
//!   blocking thread. The permit that makes a worker is moved into the
//!   blocking job, so it is held until the hash is done even when the client
//!   hangs up and its request is dropped: hung-up logins cannot start more
//!   checks than there are workers.
//! - **Memory kept, not reallocated.** Each worker's 19 MiB of argon2
//!   blocks is allocated once and reused by the next check. Allocating and
//!   freeing it per check let the allocator keep what every blocking thread
//!   had used: 100 logins left the server at ~410 MB. Now the memory is at
//!   most `workers` × 19 MiB (a stored hash with more memory than the
//!   default, up to [`MAX_M_COST`], grows its worker's for that check only).
//! - **A bounded queue.** At most `queue` logins wait for a worker; one more
//!   is answered 503 with `Retry-After` at once, which the phone shows as
//!   "try again later". A login that hangs up while waiting leaves the queue.

use std::sync::{Arc, Mutex};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

/// The PHC string of `password` with a fresh salt, at argon2's default
/// parameters (never lowered). For the admin command, which hashes one
/// password and exits; the server only verifies.
pub fn hash(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches `phc`, with memory allocated for this one
/// check. A stored hash that cannot be read, or asks for more than
/// [`MAX_M_COST`], [`MAX_T_COST`] or [`MAX_P_COST`], matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    verify_in(password.as_bytes(), phc, &mut Vec::new()).unwrap_or(false)
}

/// The most memory a stored hash may ask for, in KiB (64 MiB, over three
/// times the default). More is taken for a corrupt row rather than
/// allocated: a flipped digit must not cost the server gigabytes.
pub const MAX_M_COST: u32 = 64 * 1024;
/// The most passes a stored hash may ask for (the default is 2); each one
/// costs as long again.
pub const MAX_T_COST: u32 = 16;
/// The most lanes a stored hash may ask for (the default is 1). argon2
/// computes them one after the other here, so they cost time, not threads.
pub const MAX_P_COST: u32 = 16;

/// Why a stored hash cannot be checked. It then matches nothing; the
/// account cannot log in until its password is set again.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoredHashError {
    #[error("the stored password hash is not an argon2 PHC string this server can check: {0}")]
    Unreadable(String),
    #[error(
        "the stored password hash asks for m={m} KiB, t={t}, p={p}: beyond this server's limits \
         (m ≤ {MAX_M_COST}, t ≤ {MAX_T_COST}, p ≤ {MAX_P_COST}); the row is taken for corrupt"
    )]
    BeyondLimits { m: u32, t: u32, p: u32 },
}

impl From<password_hash::Error> for StoredHashError {
    fn from(e: password_hash::Error) -> Self {
        StoredHashError::Unreadable(e.to_string())
    }
}

impl From<argon2::Error> for StoredHashError {
    fn from(e: argon2::Error) -> Self {
        StoredHashError::Unreadable(e.to_string())
    }
}

/// Whether `password` matches `phc`, computed in `blocks` (grown when the
/// hash asks for more than they hold). What argon2's own `verify_password`
/// does, step for step, but in memory the caller keeps: the hash's
/// algorithm, version, parameters and salt; the output compared in
/// constant time (`Output`'s `PartialEq` is `subtle`'s `ct_eq`).
fn verify_in(password: &[u8], phc: &str, blocks: &mut Vec<Block>) -> Result<bool, StoredHashError> {
    let parsed = PasswordHash::new(phc)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(StoredHashError::Unreadable("no salt or no hash".to_owned()));
    };
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed.version.map(Version::try_from).transpose()?.unwrap_or_default();
    let params = Params::try_from(&parsed)?;
    let (m, t, p) = (params.m_cost(), params.t_cost(), params.p_cost());
    if m > MAX_M_COST || t > MAX_T_COST || p > MAX_P_COST {
        return Err(StoredHashError::BeyondLimits { m, t, p });
    }
    let mut salt_bytes = [0u8; SALT_MAX_BYTES];
    let salt = salt.decode_b64(&mut salt_bytes)?;
    let needed = params.block_count();
    if blocks.len() < needed {
        blocks.resize(needed, Block::default());
    }
    let mut computed = [0u8; Output::MAX_LENGTH];
    let computed = computed
        .get_mut(..expected.len())
        .ok_or_else(|| StoredHashError::Unreadable("the hash is longer than argon2 writes".to_owned()))?;
    Argon2::new(algorithm, version, params).hash_password_into_with_memory(password, salt, computed, &mut **blocks)?;
    Ok(Output::new(computed)? == expected)
}

/// A PHC salt is at most 64 base64 characters: fewer bytes than this.
const SALT_MAX_BYTES: usize = 64;

/// At most this many workers by default, whatever the cores: each holds
/// 19 MiB, and four check about a hundred passwords a second, far more than
/// a duty office's phones log in (a login lasts 30 days).
pub const MAX_DEFAULT_WORKERS: usize = 4;

/// Logins that may wait per worker, by default: 16 checks of tens of
/// milliseconds each, so the last of a full queue waits about a second (the
/// logins bench: 100 at once on 2 workers are all in after ~5 s, those
/// told 503 retrying after `Retry-After`).
pub const QUEUE_PER_WORKER: usize = 16;

/// One worker per core, at most [`MAX_DEFAULT_WORKERS`].
pub fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(2, std::num::NonZeroUsize::get)
        .clamp(1, MAX_DEFAULT_WORKERS)
}

/// Why a password could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Every worker busy and the queue full: retry shortly (503).
    #[error("too many logins at once: {0} are already waiting for a password check")]
    Busy(usize),
    #[error("the password check did not finish: {0}")]
    Failed(String),
}

/// Password checks on a few workers with memory of their own, behind a
/// bounded queue (see the module's documentation).
#[derive(Debug)]
pub struct PasswordChecks {
    /// One permit per worker; a check runs only while holding one.
    workers: Arc<Semaphore>,
    /// One permit per worker and per place in the queue: a login that
    /// finds none left is refused at once.
    admitted: Arc<Semaphore>,
    worker_count: usize,
    queue: usize,
    memory: Arc<Memory>,
}

impl PasswordChecks {
    /// `workers` checks at once (at least 1), and `queue` logins waiting.
    pub fn new(workers: usize, queue: usize) -> Arc<Self> {
        let workers = workers.max(1);
        Arc::new(PasswordChecks {
            workers: Arc::new(Semaphore::new(workers)),
            admitted: Arc::new(Semaphore::new(workers.saturating_add(queue))),
            worker_count: workers,
            queue,
            memory: Arc::new(Memory::new(Params::DEFAULT.block_count())),
        })
    }

    /// Whether `password` matches `phc`. A stored hash that cannot be
    /// checked matches nothing (and is logged, without the hash).
    ///
    /// The check runs to its end even if the returned future is dropped
    /// (the client hung up): it keeps its worker until then, so a flood of
    /// hung-up logins never has more checks running than there are workers.
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, CheckError> {
        let admitted = Arc::clone(&self.admitted)
            .try_acquire_owned()
            .map_err(|_| CheckError::Busy(self.queue))?;
        let worker = Arc::clone(&self.workers)
            .acquire_owned()
            .await
            .map_err(|e| CheckError::Failed(format!("password checks closed: {e}")))?;
        let memory = Arc::clone(&self.memory);
        let job = tokio::task::spawn_blocking(move || {
            let mut blocks = memory.take();
            let verdict = verify_in(password.as_bytes(), &phc, &mut blocks);
            memory.give_back(blocks);
            // Only once the memory is back may the next check start: it
            // must find it there rather than allocate more.
            drop((worker, admitted));
            verdict
        });
        match job.await {
            Ok(Ok(matches)) => Ok(matches),
            Ok(Err(e)) => {
                tracing::error!("{e}");
                Ok(false)
            }
            Err(e) => Err(CheckError::Failed(e.to_string())),
        }
    }

    /// How many checks could start now (for the tests and the curious).
    pub fn idle_workers(&self) -> usize {
        self.workers.available_permits()
    }

    /// Logins waiting for a worker now: admitted, not yet checking. Read
    /// from two counters that move independently, so a moment's figure.
    pub fn waiting(&self) -> usize {
        let admitted = (self.worker_count + self.queue).saturating_sub(self.admitted.available_permits());
        let checking = self.worker_count.saturating_sub(self.workers.available_permits());
        admitted.saturating_sub(checking)
    }

    /// How many logins may wait at most (`KUAIBAO_LOGIN_QUEUE`).
    pub fn queue_capacity(&self) -> usize {
        self.queue
    }

    /// How many checks run at most at once.
    pub fn workers(&self) -> usize {
        self.worker_count
    }

    /// The worker memories allocated and not in use now.
    pub fn memories_kept(&self) -> usize {
        self.memory.lock().len()
    }
}

/// The workers' argon2 memory: made when a check finds none free, given
/// back after each check. Checks never outnumber workers, so neither do
/// memories.
#[derive(Debug)]
struct Memory {
    /// Blocks for argon2's default parameters (19456 of 1 KiB).
    standard: usize,
    free: Mutex<Vec<Vec<Block>>>,
}

impl Memory {
    fn new(standard: usize) -> Self {
        Memory {
            standard,
            free: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Vec<Block>>> {
        // A panic while holding the lock leaves a list of buffers: use it.
        self.free.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn take(&self) -> Vec<Block> {
        self.lock()
            .pop()
            .unwrap_or_else(|| vec![Block::default(); self.standard])
    }

    fn give_back(&self, mut blocks: Vec<Block>) {
        // What a check leaves in memory is derived from the password: not
        // kept for whoever reads the process's memory next.
        blocks.fill(Block::default());
        if blocks.len() > self.standard {
            // A hash with more memory than the default grew this buffer;
            // back to the standard size, so the ceiling stays workers ×
            // 19 MiB. Shrinking in place returns the pages rather than
            // freeing the buffer.
            blocks.truncate(self.standard);
            blocks.shrink_to_fit();
        }
        self.lock().push(blocks);
    }
}

/// A stored hash for no one, checked when the username is unknown or the
/// account disabled, so that a wrong username costs as long as a wrong
/// password and timing does not tell which usernames exist. argon2id at the
/// default parameters (tested), with a fixed salt and random bytes for the
/// hash: no password is known to give them, and none could log in anyway.
pub const DECOY: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$9cC63wC0bhfRVjsrlmjsfw$HapZbYAM0XA1I46qo1ZJtTYq2ch9Qv9bbWzxG3YKA2M";

/// [`DECOY`].
pub fn decoy() -> &'static str {
    DECOY
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordVerifier;
    use std::time::{Duration, Instant};

    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = hash("correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(verify("correct horse", &phc));
        assert!(!verify("correct horse ", &phc));
        assert!(!verify("correct horse", "not a hash"));
        // A fresh salt each time.
        assert_ne!(phc, hash("correct horse").expect("hash"));
    }

    #[test]
    fn the_decoy_is_a_default_argon2id_hash_that_matches_no_typed_password() {
        let parsed = PasswordHash::new(DECOY).expect("a PHC string");
        assert_eq!(Algorithm::try_from(parsed.algorithm), Ok(Algorithm::Argon2id));
        let params = Params::try_from(&parsed).expect("params");
        let default = Params::default();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (default.m_cost(), default.t_cost(), default.p_cost())
        );
        assert_eq!(params.block_count(), default.block_count());
        for typed in ["", "\u{0}no such user\u{0}", "password"] {
            assert_eq!(verify_in(typed.as_bytes(), DECOY, &mut Vec::new()), Ok(false));
        }
    }

    /// A PHC string of `password` with these parameters, by argon2 itself.
    fn phc_with(password: &str, algorithm: Algorithm, version: Version, m: u32, t: u32, p: u32) -> String {
        let params = Params::new(m, t, p, None).expect("params");
        let salt = SaltString::generate(&mut OsRng);
        Argon2::new(algorithm, version, params)
            .hash_password(password.as_bytes(), &salt)
            .expect("hash")
            .to_string()
    }

    #[test]
    fn checks_in_kept_memory_answer_as_argon2s_own_verify() {
        let passwords = [
            "correct horse",
            "",
            "密码-123456",
            "a much longer pass phrase, with spaces",
        ];
        let mut hashes: Vec<String> = passwords.iter().map(|p| hash(p).expect("hash")).collect();
        for (algorithm, version, m, t, p) in [
            (Algorithm::Argon2i, Version::V0x13, 8192, 3, 2),
            (Algorithm::Argon2d, Version::V0x10, 1024, 1, 4),
            // More memory than the default: the buffer grows for it.
            (Algorithm::Argon2id, Version::V0x13, 24 * 1024, 1, 1),
        ] {
            hashes.push(phc_with("correct horse", algorithm, version, m, t, p));
        }
        // A 64-byte output.
        let long = Params::new(4096, 2, 1, Some(64)).expect("params");
        hashes.push(
            Argon2::new(Algorithm::Argon2id, Version::V0x13, long)
                .hash_password(b"correct horse", &SaltString::generate(&mut OsRng))
                .expect("hash")
                .to_string(),
        );
        // One buffer for all, as a worker's.
        let mut blocks = Vec::new();
        let mut matched = 0;
        for phc in &hashes {
            let parsed = PasswordHash::new(phc).expect("parse");
            for typed in passwords.iter().chain(&["correct horse ", "Correct horse"]) {
                let theirs = Argon2::default().verify_password(typed.as_bytes(), &parsed).is_ok();
                let ours = verify_in(typed.as_bytes(), phc, &mut blocks).expect("checkable");
                assert_eq!(ours, theirs, "{typed:?} against {phc}");
                matched += usize::from(ours);
            }
        }
        // Each hash matched its own password exactly once.
        assert_eq!(matched, hashes.len());
    }

    #[test]
    fn absurd_or_broken_stored_hashes_match_nothing_and_allocate_nothing() {
        let mut blocks = Vec::new();
        for (phc, beyond) in [
            // A corrupt row asking for 4 GiB, or a thousand passes.
            (
                "$argon2id$v=19$m=4194304,t=2,p=1$9cC63wC0bhfRVjsrlmjsfw$HapZbYAM0XA1I46qo1ZJtTYq2ch9Qv9bbWzxG3YKA2M",
                true,
            ),
            (
                "$argon2id$v=19$m=19456,t=1000,p=1$9cC63wC0bhfRVjsrlmjsfw$HapZbYAM0XA1I46qo1ZJtTYq2ch9Qv9bbWzxG3YKA2M",
                true,
            ),
            (
                "$argon2id$v=19$m=19456,t=2,p=64$9cC63wC0bhfRVjsrlmjsfw$HapZbYAM0XA1I46qo1ZJtTYq2ch9Qv9bbWzxG3YKA2M",
                true,
            ),
            ("$argon2id$v=19$m=19456,t=2,p=1$9cC63wC0bhfRVjsrlmjsfw", false),
            (
                "$argon2id$v=18$m=19456,t=2,p=1$9cC63wC0bhfRVjsrlmjsfw$HapZbYAM0XA1I46qo1ZJtTYq2ch9Qv9bbWzxG3YKA2M",
                false,
            ),
            (
                "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
                false,
            ),
            ("", false),
        ] {
            let err = verify_in(b"x", phc, &mut blocks).expect_err(phc);
            assert_eq!(
                matches!(err, StoredHashError::BeyondLimits { .. }),
                beyond,
                "{phc}: {err}"
            );
            assert!(!verify("x", phc));
        }
        assert!(blocks.is_empty(), "nothing allocated for a hash that is refused");
    }

    /// A hash that takes a while to check, within the limits.
    fn slow_phc() -> String {
        phc_with("slow", Algorithm::Argon2id, Version::V0x13, 19456, MAX_T_COST, 1)
    }

    #[tokio::test]
    async fn a_hung_up_login_keeps_its_worker_until_the_hash_is_done() {
        let checks = PasswordChecks::new(1, 4);
        let phc = slow_phc();
        let login = {
            let checks = Arc::clone(&checks);
            let phc = phc.clone();
            tokio::spawn(async move { checks.verify("guess".to_owned(), phc).await })
        };
        // The check starts, then the client hangs up: its request is dropped.
        while checks.idle_workers() == 1 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        login.abort();
        assert!(login.await.expect_err("aborted").is_cancelled());
        // The hash goes on, holding the only worker, and gives it back only
        // with its memory, when done.
        assert_eq!(checks.idle_workers(), 0);
        assert_eq!(checks.memories_kept(), 0, "the memory is in use");
        let deadline = Instant::now() + Duration::from_secs(60);
        while checks.idle_workers() == 0 {
            assert!(Instant::now() < deadline, "the check never ended");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(checks.memories_kept(), 1, "the hash ran to its end");
        // And the next login is checked as usual.
        assert!(checks.verify("slow".to_owned(), phc).await.expect("checked"));
        assert_eq!(checks.idle_workers(), 1);
    }

    #[tokio::test]
    async fn logins_beyond_the_queue_are_refused_at_once() {
        let checks = PasswordChecks::new(1, 2);
        let phc = slow_phc();
        let mut waiting = Vec::new();
        for _ in 0..3 {
            let checks = Arc::clone(&checks);
            let phc = phc.clone();
            waiting.push(tokio::spawn(async move { checks.verify("x".to_owned(), phc).await }));
        }
        while checks.idle_workers() == 1 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // Let the other two reach the queue.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let t = Instant::now();
        let refused = checks.verify("x".to_owned(), phc.clone()).await;
        assert!(matches!(refused, Err(CheckError::Busy(2))), "{refused:?}");
        assert!(t.elapsed() < Duration::from_millis(50), "refused without waiting");
        for w in waiting {
            assert!(!w.await.expect("task").expect("checked"));
        }
        // With the queue empty again, a login is checked.
        assert!(checks.verify("slow".to_owned(), phc).await.expect("checked"));
    }

    #[tokio::test]
    async fn memory_is_one_buffer_per_worker_whatever_the_logins() {
        let checks = PasswordChecks::new(2, 64);
        let phc = hash("pw").expect("hash");
        let bigger = phc_with("pw", Algorithm::Argon2id, Version::V0x13, 32 * 1024, 1, 1);
        let mut logins = Vec::new();
        for i in 0..12 {
            let checks = Arc::clone(&checks);
            let phc = if i % 4 == 0 { bigger.clone() } else { phc.clone() };
            logins.push(tokio::spawn(async move { checks.verify("pw".to_owned(), phc).await }));
        }
        for login in logins {
            assert!(login.await.expect("task").expect("checked"));
        }
        assert_eq!(checks.idle_workers(), 2);
        assert!(checks.memories_kept() <= 2, "{}", checks.memories_kept());
        // Back to the standard size after the bigger hashes.
        for blocks in checks.memory.lock().iter() {
            assert_eq!(blocks.len(), Params::DEFAULT.block_count());
            assert!(blocks.capacity() <= Params::DEFAULT.block_count());
        }
    }
}

//! Faults: the server killed at random moments, connections cut at random
//! byte offsets, the database locked, the disk full. After each, whatever
//! the server acknowledged (a receipt; a tus `PATCH` answered 204 at the
//! photo's length) is there, byte for byte, once; and the client's queue
//! finishes once the server is back.
//!
//! Each test runs the real binary on a data dir and a port of its own, on
//! SQLite, or on a fresh PostgreSQL database when
//! `KUAIBAO_TEST_POSTGRES_URL` is set. Randomness is seeded; each test
//! prints its seed, and `KUAIBAO_FAULT_SEED=<seed>` replays it.

#[path = "faults/harness.rs"]
mod harness;

#[path = "faults/kill.rs"]
mod kill;

#[path = "faults/cut.rs"]
mod cut;

#[path = "faults/busy.rs"]
mod busy;

#[path = "faults/disk_full.rs"]
mod disk_full;

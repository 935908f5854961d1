//! Any text as an SMS report pasted at the desk or posted by a gateway.
//!
//! `sms::parse` must refuse it with errors or give a record; a record it
//! gives must survive being sent again: its text, as the phone would write
//! it, sealed or not, parses back to the very same record and account, and
//! the sealed one is sealed by the key it was sealed with.

#![no_main]

use kuaibao_core::wire::sms;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = match sms::parse(text) {
        Ok(parsed) => parsed,
        Err(errors) => {
            assert!(!errors.is_empty(), "a refusal names its reasons");
            return;
        }
    };
    // A text may carry what the phone would never send (a reserved
    // character, say); what it can send must come back as it was.
    let Ok(again) = sms::encode(&parsed.report, &parsed.username) else {
        return;
    };
    let back = sms::parse(&again).expect("a text the phone writes parses");
    assert_eq!(back.report, parsed.report);
    assert_eq!(back.username, parsed.username);
    let key = sms::SmsKey::of_token("fuzz-session-token");
    let sealed = sms::encode_sealed(&parsed.report, &parsed.username, &key).expect("sendable, as unsealed");
    let back = sms::parse(&sealed).expect("a sealed text the phone writes parses");
    assert_eq!((&back.report, &back.username), (&parsed.report, &parsed.username));
    assert!(back.sealed_by(&key), "sealed by its key");
    assert!(!back.sealed_by(&sms::SmsKey::of_token("another")), "and by no other");
});

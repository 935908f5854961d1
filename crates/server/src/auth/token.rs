//! Session tokens: 32 random bytes, base64url. Only their SHA-256 is
//! stored, so the database never holds a token that would let anyone in.
//! Also the secrets of settings that machines send as bearer tokens (the
//! SMS gateway's, the metrics scraper's), kept the same way.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
#[error("the system's random source failed: {0}")]
pub struct RandomError(String);

/// A new token, as the phone will send it.
pub fn new_token() -> Result<String, RandomError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What the database keeps of a token: its SHA-256 in lowercase hex.
pub fn token_sha256(token: &str) -> String {
    crate::storage::hex_sha256(token.as_bytes())
}

/// A configured bearer secret (`KUAIBAO_SMS_GATEWAY_TOKEN`,
/// `KUAIBAO_METRICS_TOKEN`), kept as its SHA-256. A request is checked by
/// comparing digests, not secrets, so how long a comparison takes says
/// nothing about the secret.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SecretDigest([u8; 32]);

impl SecretDigest {
    pub fn of(secret: &str) -> Self {
        SecretDigest(Sha256::digest(secret.as_bytes()).into())
    }

    /// Whether `headers` carry the secret as `Authorization: Bearer …`.
    pub fn is_sent_in(&self, headers: &axum::http::HeaderMap) -> bool {
        super::bearer_in(headers).is_some_and(|sent| SecretDigest::of(sent) == *self)
    }
}

impl std::fmt::Debug for SecretDigest {
    /// Not even the digest goes into a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretDigest(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_recognised_in_the_authorization_header_only_whole() {
        use axum::http::{header::AUTHORIZATION, HeaderMap, HeaderValue};
        let secret = "s".repeat(40);
        let digest = SecretDigest::of(&secret);
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(AUTHORIZATION, HeaderValue::from_str(value).expect("header"));
            headers
        };
        assert!(digest.is_sent_in(&with(&format!("Bearer {secret}"))));
        assert!(!digest.is_sent_in(&with(&format!("Bearer {}", &secret[1..]))));
        assert!(!digest.is_sent_in(&with(&format!("Basic {secret}"))));
        assert!(!digest.is_sent_in(&HeaderMap::new()));
        assert!(!format!("{digest:?}").contains(&format!("{:x}", Sha256::digest(secret.as_bytes()))));
    }

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let a = new_token().expect("token");
        let b = new_token().expect("token");
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(token_sha256(&a).len(), 64);
        assert_ne!(token_sha256(&a), token_sha256(&b));
    }
}

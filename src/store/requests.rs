//! The duty office's follow-up requests as last read from the server, in
//! the `meta` store (a JSON list): shown with their threads offline too.

use kuaibao_core::desk::office::FollowUpRequest;

use super::json::to_json;
use super::schema::REQUESTS_KEY;
use super::{Store, StoreError};

impl Store {
    /// The requests last read; none if never read (or unreadable).
    pub async fn requests(&self) -> Result<Vec<FollowUpRequest>, StoreError> {
        Ok(self.meta_json(REQUESTS_KEY).await?.unwrap_or_default())
    }

    pub async fn set_requests(&self, requests: &[FollowUpRequest]) -> Result<(), StoreError> {
        self.set_meta(REQUESTS_KEY, &to_json(&requests)?).await
    }
}

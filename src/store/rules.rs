//! The deployment's deadline rules as last read from the server, in the
//! `meta` store (JSON): the phone counts deadlines by them offline.

use kuaibao_core::rules::deadlines::RuleSet;

use super::json::to_json;
use super::schema::RULES_KEY;
use super::{Store, StoreError};

impl Store {
    /// The rules last read; `None` if never read (the national set then).
    pub async fn rules(&self) -> Result<Option<RuleSet>, StoreError> {
        self.meta_json(RULES_KEY).await
    }

    pub async fn set_rules(&self, rules: &RuleSet) -> Result<(), StoreError> {
        self.set_meta(RULES_KEY, &to_json(rules)?).await
    }
}

//! Reports, stored once each and never changed.

use chrono::{DateTime, SecondsFormat, Utc};
use kuaibao_core::protocol::Receipt;
use kuaibao_core::{Report, ReportId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use super::StoreError;

/// What storing a report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// First receipt of this id: a new row.
    Created(Receipt),
    /// The same report again (a retry): the first receipt, nothing written.
    Replayed(Receipt),
    /// This id is stored with other content; the stored one stays.
    Conflict,
}

/// A stored report with its receipt, as the API lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredReport {
    pub receipt: Receipt,
    pub report: Report,
}

/// The text stored for a report: serde's serialisation of the parsed report.
/// Parsing first means two sends of one report give the same text even if
/// they differ in key order, spacing or number formatting.
pub fn canonical_body(report: &Report) -> Result<String, serde_json::Error> {
    serde_json::to_string(report)
}

/// Stores `report` unless its id is already stored. Race-safe: the insert
/// does nothing if the id exists (the UNIQUE index decides, not a prior
/// read), and the row is then read back in the same transaction, so two
/// concurrent sends of one report both answer the one row's receipt.
pub async fn store(pool: &SqlitePool, report: &Report) -> Result<Stored, StoreError> {
    let body = canonical_body(report)?;
    let sha256 = hex_sha256(&body);
    let id = report.id.to_string();
    // Microseconds and `Z`: fixed width, so the text sorts like the time.
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);

    // The insert is the transaction's first statement, so it takes the write
    // lock at once (waiting out `busy_timeout` behind another writer) and
    // never has to upgrade a read snapshot, which SQLite would refuse.
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO reports \
             (id, template_id, template_version, body, body_sha256, written_at, received_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&id)
    .bind(&report.template_id)
    .bind(i64::from(report.template_version))
    .bind(&body)
    .bind(&sha256)
    .bind(report.written_at.to_rfc3339())
    .bind(&now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    let (seq, stored_sha256, received_at): (i64, String, String) =
        sqlx::query_as("SELECT seq, body_sha256, received_at FROM reports WHERE id = ?")
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;

    if stored_sha256 != sha256 {
        return Ok(Stored::Conflict);
    }
    // Built from the stored row even on first receipt, so every answer for
    // this id carries exactly the same text.
    let receipt = Receipt {
        id: report.id,
        seq,
        received_at: parse_time(&id, &received_at)?,
    };
    Ok(if inserted {
        Stored::Created(receipt)
    } else {
        Stored::Replayed(receipt)
    })
}

/// The report with this id, if stored.
pub async fn get(pool: &SqlitePool, id: ReportId) -> Result<Option<StoredReport>, StoreError> {
    let row: Option<Row> =
        sqlx::query_as("SELECT seq, id, body, received_at FROM reports WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(pool)
            .await?;
    row.map(Row::decode).transpose()
}

/// Every stored report, in the order they arrived.
pub async fn list(pool: &SqlitePool) -> Result<Vec<StoredReport>, StoreError> {
    let rows: Vec<Row> =
        sqlx::query_as("SELECT seq, id, body, received_at FROM reports ORDER BY seq")
            .fetch_all(pool)
            .await?;
    rows.into_iter().map(Row::decode).collect()
}

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    id: String,
    body: String,
    received_at: String,
}

impl Row {
    fn decode(self) -> Result<StoredReport, StoreError> {
        let report: Report = serde_json::from_str(&self.body).map_err(|e| StoreError::Corrupt {
            id: self.id.clone(),
            reason: e.to_string(),
        })?;
        let received_at = parse_time(&self.id, &self.received_at)?;
        Ok(StoredReport {
            receipt: Receipt {
                id: report.id,
                seq: self.seq,
                received_at,
            },
            report,
        })
    }
}

fn parse_time(id: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt {
            id: id.to_owned(),
            reason: format!("received_at: {e}"),
        })
}

fn hex_sha256(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_lowercase_hex_sha256() {
        assert_eq!(
            hex_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_canonical_body_ignores_how_the_json_was_written() {
        let a: Report = serde_json::from_str(
            r#"{"id":"01890a5d-ac96-774b-bcce-b302099a8057","template_id":"t","template_version":1,
                "answers":{"b":"2","a":"1"},"written_at":"2026-11-23T10:00:00+08:00"}"#,
        )
        .expect("parses");
        let b: Report = serde_json::from_str(
            r#"{ "written_at" : "2026-11-23T10:00:00.000+08:00", "answers":{"a":"1","b":"2"},
                 "template_version":1, "template_id":"t", "id":"01890A5D-AC96-774B-BCCE-B302099A8057" }"#,
        )
        .expect("parses");
        assert_eq!(
            canonical_body(&a).expect("a"),
            canonical_body(&b).expect("b")
        );
    }
}

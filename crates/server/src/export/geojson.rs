//! The GeoJSON export (RFC 7946): a FeatureCollection with one Feature per
//! thread (an incident or a hazard), at the latest position its records
//! give.
//!
//! Coordinates are `[longitude, latitude]`, in that order, as RFC 7946
//! requires, in WGS-84: what the phone's GPS gives and what RFC 7946
//! prescribes, so no conversion is made. A base map in GCJ-02 (most
//! Chinese web maps) must shift its tiles or these points itself. A thread
//! with no position has `"geometry": null`, which RFC 7946 allows for an
//! unlocated feature.

use kuaibao_core::Lang;
use serde_json::{json, Value};

use super::{beijing_time, beijing_wall_time, ThreadRecords};

pub const CONTENT_TYPE: &str = "application/geo+json";

pub fn feature_collection(threads: &[ThreadRecords]) -> Value {
    json!({
        "type": "FeatureCollection",
        "features": threads.iter().map(feature).collect::<Vec<_>>(),
    })
}

/// The text of an empty collection cut where its features go: what comes
/// before the first feature and after the last. A streamed export writes
/// these around its features, comma-separated, which is byte for byte what
/// [`feature_collection`] serialises to.
pub fn frame() -> (String, String) {
    const FEATURES: &str = "\"features\":[";
    let empty = feature_collection(&[]).to_string();
    match empty.find(FEATURES) {
        Some(at) => {
            let (head, tail) = empty.split_at(at + FEATURES.len());
            (head.to_owned(), tail.to_owned())
        }
        // Not reached: the collection above always has its features.
        None => (
            "{\"type\":\"FeatureCollection\",\"features\":[".to_owned(),
            "]}".to_owned(),
        ),
    }
}

pub fn feature(thread: &ThreadRecords) -> Value {
    let s = &thread.summary;
    let geometry = match (s.lon, s.lat) {
        (Some(lon), Some(lat)) => json!({ "type": "Point", "coordinates": [lon, lat] }),
        _ => Value::Null,
    };
    // The latest report, as `latest_received_at` and the inbox's stage: a
    // call logged is no stage of it.
    let latest = thread
        .records
        .iter()
        .rev()
        .map(|r| r.report())
        .find(|r| !r.stage.is_call());
    json!({
        "type": "Feature",
        "id": s.thread_id.to_string(),
        "geometry": geometry,
        "properties": {
            "thread_id": s.thread_id.to_string(),
            "record_ids": thread.records.iter().map(|r| r.report().id.to_string()).collect::<Vec<_>>(),
            "latest_record_id": latest.map(|r| r.id.to_string()),
            "category_id": s.template_id,
            "category": s.title_zh,
            "hazard": s.hazard,
            "grade": s.grade.map(|g| g.code()),
            "grade_name": s.grade.map(|g| g.name().zh),
            "stage": s.stage_name(s.latest_stage).get(Lang::Zh),
            "records": s.records,
            "finished": s.finished,
            "occurred_at": s.occurred_at.and_then(beijing_wall_time),
            "written_at": latest.map(|r| super::zoned_time(r.written_at)),
            "first_received_at": beijing_time(s.first_received_at),
            "latest_received_at": beijing_time(s.latest_received_at),
            "area_id": s.area.id,
            "area": s.area.name,
            "reporter": s.reporter,
            "reporter_name": s.reporter_name,
            "photos_expected": s.photos_expected,
            "photos_arrived": s.photos_arrived,
            "rectify_by": s.rectify_by.map(|d| d.to_string()),
            "rectification_overdue_days": s.rectification_overdue_days,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_is_an_empty_collection_cut_at_its_features() {
        let (head, tail) = frame();
        assert_eq!(format!("{head}{tail}"), feature_collection(&[]).to_string());
        assert!(head.ends_with("\"features\":["), "{head}");
        assert!(tail.starts_with(']'), "{tail}");
    }
}

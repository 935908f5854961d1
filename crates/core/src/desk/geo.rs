//! The duty office's map: where the base map's tiles come from, how a
//! phone's position is drawn on it, and what each point looks like.
//!
//! Positions are stored, exported and sent as WGS-84, the datum of the
//! phone's GPS. Chinese base maps (AMap/高德, Tencent/腾讯) are drawn in
//! GCJ-02, a datum offset from WGS-84 by a public formula (a few hundred
//! metres inside mainland China, nothing outside it). When the configured
//! tiles are GCJ-02, the map shifts each point by [`wgs84_to_gcj02`] for
//! display only; nothing stored changes.

use serde::{Deserialize, Serialize};

use crate::desk::office::{DeadlineState, ThreadSummary};
use crate::rules::grading::Grade;

/// `GET`: the [`MapConfig`] the office's map draws with. Officers and
/// admins only.
pub const MAP_PATH: &str = "/api/office/map";

/// The datum a base map's tiles are drawn in.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TileCrs {
    /// WGS-84 (OpenStreetMap, Tianditu's `_w` layers, most of the world):
    /// points are drawn where the GPS put them.
    #[default]
    Wgs84,
    /// GCJ-02 (AMap, Tencent): points are shifted by [`wgs84_to_gcj02`]
    /// before they are drawn.
    Gcj02,
}

impl TileCrs {
    pub fn code(self) -> &'static str {
        match self {
            TileCrs::Wgs84 => "wgs84",
            TileCrs::Gcj02 => "gcj02",
        }
    }

    pub fn from_code(code: &str) -> Option<TileCrs> {
        match code.trim().to_ascii_lowercase().as_str() {
            "wgs84" | "wgs-84" => Some(TileCrs::Wgs84),
            "gcj02" | "gcj-02" => Some(TileCrs::Gcj02),
            _ => None,
        }
    }
}

/// A base map's tiles: an `http(s)` URL template in Leaflet's form, with
/// `{z}`, `{x}`, `{y}` and optionally `{s}` (one of `subdomains`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TileSource {
    /// E.g. `https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png`.
    pub url: String,
    pub crs: TileCrs,
    /// The base map's credit line, as plain text (shown escaped).
    #[serde(default)]
    pub attribution: String,
    /// The letters or digits `{s}` takes, e.g. `abc` or `1234`.
    #[serde(default = "default_subdomains")]
    pub subdomains: String,
}

/// Leaflet's own default for `{s}`.
pub const DEFAULT_SUBDOMAINS: &str = "abc";

fn default_subdomains() -> String {
    DEFAULT_SUBDOMAINS.to_owned()
}

/// What the office's map draws with. No tiles: the points on a plain
/// background, with the note [`NO_TILES_NOTE`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiles: Option<TileSource>,
}

impl MapConfig {
    /// The datum points are drawn in: the tiles', or WGS-84 without tiles.
    pub fn display_crs(&self) -> TileCrs {
        self.tiles.as_ref().map_or(TileCrs::Wgs84, |t| t.crs)
    }
}

/// Shown on the map when no tile source is configured.
pub const NO_TILES_NOTE: &str = "未配置底图：仅显示事件位置（WGS-84）";

/// Why a tile URL template is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileUrlError {
    #[error("the tile URL must start with https:// or http://")]
    Scheme,
    #[error("the tile URL has no host")]
    NoHost,
    #[error("the tile URL must contain {{z}}, {{x}} and {{y}}")]
    Placeholders,
    #[error("the tile URL may not contain spaces, quotes, `;` or `,` (it becomes part of a header)")]
    Characters,
}

/// The origin the tiles of `url` come from, as a Content-Security-Policy
/// source: `https://tile.example.cn`, or with `{s}` in the host
/// `https://*.tile.example.cn` (the label holding `{s}` and those left of
/// it become `*`). Refuses a template a browser could not fetch or that
/// would break the policy header.
pub fn tile_origin(url: &str) -> Result<String, TileUrlError> {
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '\'' | '"' | ';' | ','))
    {
        return Err(TileUrlError::Characters);
    }
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("https://") {
        ("https", rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        ("http", rest)
    } else {
        return Err(TileUrlError::Scheme);
    };
    if !["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p)) {
        return Err(TileUrlError::Placeholders);
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(TileUrlError::NoHost);
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p)),
        Some(_) => return Err(TileUrlError::NoHost),
        None => (authority, None),
    };
    let labels: Vec<&str> = host.split('.').collect();
    let host = match labels.iter().rposition(|l| l.contains('{')) {
        None => host.to_ascii_lowercase(),
        // `*.example.cn`, never `*.cn`.
        Some(i) if labels.len() - i > 2 => format!("*.{}", labels[i + 1..].join(".").to_ascii_lowercase()),
        Some(_) => return Err(TileUrlError::NoHost),
    };
    if host.is_empty()
        || host.contains('{')
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*' | '[' | ']' | ':'))
    {
        return Err(TileUrlError::NoHost);
    }
    Ok(match port {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    })
}

/// Krasovsky 1940's semi-major axis and first eccentricity squared, as the
/// GCJ-02 formula uses them.
const GCJ_A: f64 = 6_378_245.0;
const GCJ_EE: f64 = 0.006_693_421_622_965_943;

/// Whether GCJ-02's offset applies: the formula's rough box around
/// mainland China (outside it GCJ-02 is WGS-84).
pub fn out_of_china(lat: f64, lon: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn transform_lon(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// A WGS-84 position as GCJ-02 (`(lat, lon)` in degrees), by the public
/// formula Chinese map providers use; the same position outside mainland
/// China ([`out_of_china`]).
pub fn wgs84_to_gcj02(lat: f64, lon: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    if out_of_china(lat, lon) {
        return (lat, lon);
    }
    let d_lat = transform_lat(lon - 105.0, lat - 35.0);
    let d_lon = transform_lon(lon - 105.0, lat - 35.0);
    let rad_lat = lat / 180.0 * PI;
    let magic = 1.0 - GCJ_EE * rad_lat.sin() * rad_lat.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = (d_lat * 180.0) / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (d_lon * 180.0) / (GCJ_A / sqrt_magic * rad_lat.cos() * PI);
    (lat + d_lat, lon + d_lon)
}

/// Where to draw a WGS-84 position on a base map in `crs`.
pub fn display_position(lat: f64, lon: f64, crs: TileCrs) -> (f64, f64) {
    match crs {
        TileCrs::Wgs84 => (lat, lon),
        TileCrs::Gcj02 => wgs84_to_gcj02(lat, lon),
    }
}

/// A record's position, WGS-84 (latitude, longitude), from its template's
/// GPS blank; `None` when unanswered or not a position on Earth.
pub fn record_position(report: &crate::Report) -> Option<(f64, f64)> {
    let template = crate::rules::catalogue::find(&report.template_id, report.template_version)?;
    let blank = template
        .blanks
        .iter()
        .find(|b| matches!(b.kind, crate::BlankKind::GeoPoint))?;
    let (lat_key, lon_key) = crate::report::geo_keys(blank.id);
    let lat: f64 = report.answers.get(&lat_key)?.trim().parse().ok()?;
    let lon: f64 = report.answers.get(&lon_key)?.trim().parse().ok()?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

/// A thread's position, if it has one a map can draw (both numbers, in
/// range); `(lat, lon)`, WGS-84.
pub fn position(thread: &ThreadSummary) -> Option<(f64, f64)> {
    let (lat, lon) = (thread.lat?, thread.lon?);
    let ok = lat.is_finite() && lon.is_finite() && (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon);
    ok.then_some((lat, lon))
}

/// What a point stands for, which decides its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PointKind {
    /// An incident of this grade.
    Graded(Grade),
    /// An incident not graded yet.
    Ungraded,
    /// A hazard (风险隐患), whatever its state.
    Hazard,
}

impl PointKind {
    pub fn of(thread: &ThreadSummary) -> PointKind {
        match (thread.hazard, thread.grade) {
            (true, _) => PointKind::Hazard,
            (false, Some(g)) => PointKind::Graded(g),
            (false, None) => PointKind::Ungraded,
        }
    }

    /// A short stable name (`I`…`IV`, `ungraded`, `hazard`): the legend's
    /// and the tests' handle on a point.
    pub fn key(self) -> &'static str {
        match self {
            PointKind::Graded(g) => g.code(),
            PointKind::Ungraded => "ungraded",
            PointKind::Hazard => "hazard",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PointKind::Graded(Grade::I) => "特别重大（Ⅰ级）",
            PointKind::Graded(Grade::II) => "重大（Ⅱ级）",
            PointKind::Graded(Grade::III) => "较大（Ⅲ级）",
            PointKind::Graded(Grade::IV) => "一般（Ⅳ级）",
            PointKind::Ungraded => "未定级事件",
            PointKind::Hazard => "风险隐患",
        }
    }

    /// Fill colour: the national four colours of warning and response
    /// levels (Ⅰ red, Ⅱ orange, Ⅲ yellow, Ⅳ blue); grey for an incident
    /// not graded yet; purple, outside the four, for hazards.
    pub fn fill(self) -> &'static str {
        match self {
            PointKind::Graded(Grade::I) => "#d7191c",
            PointKind::Graded(Grade::II) => "#f28e1c",
            PointKind::Graded(Grade::III) => "#f5d300",
            PointKind::Graded(Grade::IV) => "#1f6fd1",
            PointKind::Ungraded => "#8a8a8a",
            PointKind::Hazard => "#7b3fa0",
        }
    }

    /// Every kind, in the legend's order.
    pub const ALL: [PointKind; 6] = [
        PointKind::Graded(Grade::I),
        PointKind::Graded(Grade::II),
        PointKind::Graded(Grade::III),
        PointKind::Graded(Grade::IV),
        PointKind::Ungraded,
        PointKind::Hazard,
    ];
}

/// How one point is drawn (a Leaflet circle marker's path options).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointStyle {
    pub kind: PointKind,
    pub overdue: bool,
    pub fill: &'static str,
    pub stroke: &'static str,
    /// Outline width, px.
    pub weight: u8,
    /// Radius, px.
    pub radius: u8,
    /// SVG dash pattern of the outline: hazards' is dashed, so they differ
    /// in shape as well as colour (for readers who cannot tell the colours
    /// apart).
    pub dash: Option<&'static str>,
}

/// Outline of an overdue point: thick and black on every fill.
pub const OVERDUE_STROKE: &str = "#000000";
const STROKE: &str = "#ffffff";

impl PointStyle {
    pub fn new(kind: PointKind, overdue: bool) -> PointStyle {
        let hazard = kind == PointKind::Hazard;
        PointStyle {
            kind,
            overdue,
            fill: kind.fill(),
            stroke: if overdue { OVERDUE_STROKE } else { STROKE },
            weight: if overdue { 4 } else { 2 },
            radius: match kind {
                PointKind::Graded(Grade::I | Grade::II) => 11,
                PointKind::Graded(Grade::III) => 10,
                _ => 9,
            },
            dash: hazard.then_some("4 3"),
        }
    }

    /// The style of `thread`'s point.
    pub fn of(thread: &ThreadSummary) -> PointStyle {
        PointStyle::new(PointKind::of(thread), is_overdue(thread))
    }
}

/// Overdue: a reporting deadline passed with no report, or a hazard's
/// rectification is late.
pub fn is_overdue(thread: &ThreadSummary) -> bool {
    thread.rectification_overdue_days.is_some() || thread.deadline == DeadlineState::Overdue
}

/// One line of the map's legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegendEntry {
    pub label_zh: &'static str,
    pub style: PointStyle,
}

/// The legend: each kind, then what an overdue point looks like.
pub fn legend() -> Vec<LegendEntry> {
    PointKind::ALL
        .into_iter()
        .map(|kind| LegendEntry {
            label_zh: kind.label_zh(),
            style: PointStyle::new(kind, false),
        })
        .chain(std::iter::once(LegendEntry {
            label_zh: "逾期（黑色粗边）",
            style: PointStyle::new(PointKind::Ungraded, true),
        }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Metres per degree of latitude, roughly: for tolerances people read.
    const M_PER_DEG: f64 = 111_320.0;

    fn close(got: (f64, f64), want: (f64, f64), metres: f64) {
        let d_lat = (got.0 - want.0).abs() * M_PER_DEG;
        let d_lon = (got.1 - want.1).abs() * M_PER_DEG * want.0.to_radians().cos();
        assert!(
            d_lat <= metres && d_lon <= metres,
            "{got:?} is not within {metres} m of {want:?} ({d_lat:.3} m, {d_lon:.3} m)"
        );
    }

    #[test]
    fn gcj02_matches_published_reference_values() {
        // Reference pairs published with the open-source eviltransform
        // ports (Shanghai, Shenzhen, Beijing), to 10 cm.
        close(
            wgs84_to_gcj02(31.1774276, 121.5272106),
            (31.17530398364597, 121.531541859215),
            0.1,
        );
        close(
            wgs84_to_gcj02(22.543847, 113.912316),
            (22.540796131694766, 113.9171764808363),
            0.1,
        );
        close(
            wgs84_to_gcj02(39.911954, 116.377817),
            (39.91334545536069, 116.38404722455657),
            0.1,
        );
        // Tiananmen as AMap's own conversion service gives it, to a metre.
        close(wgs84_to_gcj02(39.90734, 116.39089), (39.90874539, 116.39713623), 1.0);
    }

    #[test]
    fn the_offset_is_hundreds_of_metres_in_china_and_none_outside() {
        let (lat, lon) = (39.90734, 116.39089);
        let (g_lat, g_lon) = wgs84_to_gcj02(lat, lon);
        let metres = ((g_lat - lat) * M_PER_DEG).hypot((g_lon - lon) * M_PER_DEG * lat.to_radians().cos());
        assert!((300.0..800.0).contains(&metres), "{metres} m");
        for (lat, lon) in [(0.0, 0.0), (51.4779, -0.0015), (35.6762, 139.6503), (-33.86, 151.21)] {
            assert!(out_of_china(lat, lon));
            assert_eq!(wgs84_to_gcj02(lat, lon), (lat, lon));
        }
        assert_eq!(display_position(lat, lon, TileCrs::Wgs84), (lat, lon));
        assert_eq!(display_position(lat, lon, TileCrs::Gcj02), (g_lat, g_lon));
    }

    #[test]
    fn tile_origins_are_derived_for_the_policy() {
        assert_eq!(
            tile_origin("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png").as_deref(),
            Ok("https://*.tile.openstreetmap.org")
        );
        assert_eq!(
            tile_origin("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&style=8&x={x}&y={y}&z={z}")
                .as_deref(),
            Ok("https://*.is.autonavi.com")
        );
        assert_eq!(
            tile_origin("http://127.0.0.1:8081/tiles/{z}/{x}/{y}.png").as_deref(),
            Ok("http://127.0.0.1:8081")
        );
        assert_eq!(
            tile_origin("https://Tiles.Example.CN/{z}/{x}/{y}.png").as_deref(),
            Ok("https://tiles.example.cn")
        );
        assert_eq!(tile_origin("ftp://x/{z}/{x}/{y}"), Err(TileUrlError::Scheme));
        assert_eq!(tile_origin("//x/{z}/{x}/{y}"), Err(TileUrlError::Scheme));
        assert_eq!(tile_origin("https://x/{z}/{x}.png"), Err(TileUrlError::Placeholders));
        assert_eq!(tile_origin("https:///{z}/{x}/{y}"), Err(TileUrlError::NoHost));
        assert_eq!(tile_origin("https://u@x/{z}/{x}/{y}"), Err(TileUrlError::NoHost));
        assert_eq!(tile_origin("https://{s}.cn/{z}/{x}/{y}"), Err(TileUrlError::NoHost));
        assert_eq!(tile_origin("https://x:y/{z}/{x}/{y}"), Err(TileUrlError::NoHost));
        for bad in [
            "https://x/{z}/{x}/{y}; script-src *",
            "https://x/{z}/{x}/{y} *",
            "https://x/{z}/{x}/{y}'",
            "https://x,y/{z}/{x}/{y}",
        ] {
            assert_eq!(tile_origin(bad), Err(TileUrlError::Characters), "{bad}");
        }
    }

    #[test]
    fn crs_codes_round_trip() {
        for crs in [TileCrs::Wgs84, TileCrs::Gcj02] {
            assert_eq!(TileCrs::from_code(crs.code()), Some(crs));
        }
        assert_eq!(TileCrs::from_code(" GCJ-02 "), Some(TileCrs::Gcj02));
        assert_eq!(TileCrs::from_code("bd09"), None);
        let config = MapConfig::default();
        assert_eq!(config.display_crs(), TileCrs::Wgs84);
        assert_eq!(serde_json::to_string(&config).expect("json"), "{}");
        let json = r#"{"tiles":{"url":"https://t/{z}/{x}/{y}","crs":"gcj02"}}"#;
        let config: MapConfig = serde_json::from_str(json).expect("json");
        assert_eq!(config.display_crs(), TileCrs::Gcj02);
        assert_eq!(config.tiles.expect("tiles").subdomains, "abc");
    }

    fn thread(json: &str) -> ThreadSummary {
        let base = serde_json::json!({
            "thread_id": "01890000-0000-7000-8000-000000000001",
            "template_id": "flood", "title_zh": "洪涝灾害", "hazard": false,
            "area": {"id": "xh", "name": "新河区", "level": "district"},
            "reporter": "r", "reporter_name": "R", "latest_stage": {"kind": "initial"}, "records": 1,
            "first_received_at": "2026-07-01T08:00:00Z", "latest_received_at": "2026-07-01T08:00:00Z",
            "deadline": "clear", "finished": false, "photos_expected": 0, "photos_arrived": 0
        });
        let mut value = base;
        let extra: serde_json::Value = serde_json::from_str(json).expect("json");
        for (k, v) in extra.as_object().expect("object") {
            value[k] = v.clone();
        }
        serde_json::from_value(value).expect("a thread summary")
    }

    #[test]
    fn a_thread_is_placed_and_styled_by_its_summary() {
        let t = thread(r#"{"grade": "II", "lat": 30.5, "lon": 114.3}"#);
        assert_eq!(position(&t), Some((30.5, 114.3)));
        assert_eq!(PointStyle::of(&t), PointStyle::new(PointKind::Graded(Grade::II), false));
        assert_eq!(position(&thread("{}")), None);
        assert_eq!(position(&thread(r#"{"lat": 30.5}"#)), None);
        assert_eq!(position(&thread(r#"{"lat": 95.0, "lon": 114.3}"#)), None);
        let late = thread(r#"{"grade": "IV", "deadline": "overdue"}"#);
        assert!(PointStyle::of(&late).overdue);
        let hazard = thread(r#"{"hazard": true, "rectification_overdue_days": 3}"#);
        let style = PointStyle::of(&hazard);
        assert_eq!((style.kind, style.overdue), (PointKind::Hazard, true));
        assert_eq!(PointKind::of(&thread("{}")), PointKind::Ungraded);
    }

    #[test]
    fn grades_take_the_four_national_colours_and_hazards_stand_apart() {
        let fills: Vec<&str> = PointKind::ALL.iter().map(|k| k.fill()).collect();
        assert_eq!(&fills[..4], ["#d7191c", "#f28e1c", "#f5d300", "#1f6fd1"]);
        let mut unique = fills.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), fills.len(), "every kind has its own colour");
        let hazard = PointStyle::new(PointKind::Hazard, false);
        assert!(hazard.dash.is_some());
        assert!(PointKind::ALL[..5]
            .iter()
            .all(|k| PointStyle::new(*k, false).dash.is_none()));
        let late = PointStyle::new(PointKind::Graded(Grade::IV), true);
        assert_eq!((late.stroke, late.weight), (OVERDUE_STROKE, 4));
        assert_eq!(late.fill, "#1f6fd1", "overdue keeps the grade's colour");
        let keys: Vec<&str> = legend().iter().map(|e| e.style.kind.key()).collect();
        assert_eq!(keys, ["I", "II", "III", "IV", "ungraded", "hazard", "ungraded"]);
        assert!(legend().last().expect("overdue line").style.overdue);
    }
}

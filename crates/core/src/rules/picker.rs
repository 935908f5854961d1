//! What a worker in a hurry sees first when starting a report: the kinds
//! she files most on this phone (常用), then every kind, hazards first for
//! a grid worker (隐患排查 is most of her reports) and incidents first for
//! everyone else; and the places she reported from lately, offered as she
//! types 地点.

use crate::rules::catalogue;
use crate::rules::template::{Family, Template};

/// How many kinds the 常用 row shows: one row of big buttons, two deep.
pub const FREQUENT: usize = 4;
/// How many recent places the 地点 blank offers.
pub const RECENT_PLACES: usize = 5;

/// The picker's contents.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    /// The worker's most used kinds, most used first (the latest used
    /// first among equals); empty before her first report.
    pub frequent: Vec<&'static Template>,
    /// Whether the hazards come before the incidents.
    pub hazards_first: bool,
    pub incidents: Vec<&'static Template>,
    pub hazards: Vec<&'static Template>,
}

/// The picker for a worker whose reports on this phone began with the
/// templates `used` (template ids of her threads' first records, oldest
/// first); `grid_worker` puts hazards first.
pub fn picker<'a>(used: impl IntoIterator<Item = &'a str>, grid_worker: bool) -> Picker {
    let offered = catalogue::offered();
    // (template, times used, when last used)
    let mut counts: Vec<(&'static Template, usize, usize)> = Vec::new();
    for (at, id) in used.into_iter().enumerate() {
        let Some(t) = offered.iter().find(|t| t.id == id) else {
            continue;
        };
        match counts.iter_mut().find(|(c, _, _)| c.id == t.id) {
            Some((_, n, last)) => {
                *n += 1;
                *last = at;
            }
            None => counts.push((t, 1, at)),
        }
    }
    // At most one entry per template: the small stable sort (the phone's
    // wasm), most used first, then most recently used.
    crate::sort::insertion_sort(&mut counts, |a, b| (b.1, b.2) < (a.1, a.2));
    let (hazards, incidents) = offered.into_iter().partition(|t| t.family == Family::Hazard);
    Picker {
        frequent: counts.into_iter().take(FREQUENT).map(|(t, _, _)| t).collect(),
        hazards_first: grid_worker,
        incidents,
        hazards,
    }
}

/// The places of `newest_first` (each a record's 地点, newest first), each
/// once, up to [`RECENT_PLACES`].
pub fn recent_places<'a>(newest_first: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for place in newest_first {
        let place = place.trim();
        if !place.is_empty() && !out.iter().any(|p| p == place) {
            out.push(place.to_owned());
            if out.len() == RECENT_PLACES {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&'static Template]) -> Vec<&'static str> {
        list.iter().map(|t| t.id).collect()
    }

    #[test]
    fn the_most_used_kinds_come_first_and_ties_go_to_the_latest() {
        let p = picker(
            ["fire", "hazard", "hazard", "flood", "fire", "unknown", "road_traffic"],
            false,
        );
        assert_eq!(ids(&p.frequent), ["fire", "hazard", "road_traffic", "flood"]);
        let five = picker(["fire", "hazard", "flood", "road_traffic", "earthquake"], false);
        assert_eq!(five.frequent.len(), FREQUENT, "one row");
        assert!(picker([], true).frequent.is_empty());
    }

    #[test]
    fn a_grid_worker_sees_hazards_first_and_every_kind_is_offered() {
        assert!(picker([], true).hazards_first);
        assert!(!picker([], false).hazards_first);
        let p = picker([], true);
        assert_eq!(ids(&p.hazards), ["hazard"]);
        assert_eq!(p.incidents.len() + p.hazards.len(), catalogue::offered().len());
        assert!(p.incidents.iter().all(|t| t.family != Family::Hazard));
    }

    #[test]
    fn recent_places_are_distinct_trimmed_and_few() {
        let got = recent_places([" 青石村三组 ", "", "青石村三组", "河堤", "a", "b", "c", "d"]);
        assert_eq!(got, ["青石村三组", "河堤", "a", "b", "c"]);
    }
}

//! The province bench's data: a five-level area tree, accounts, and reports
//! made from the catalogue's own examples (`kuaibao_core::rules::examples`), their
//! columns computed by the server's own code (`db::reports::ReportColumns`),
//! so the rows are what the server would have stored. Deterministic (a fixed
//! seed), so two runs load the same province.

use chrono::{DateTime, SecondsFormat, TimeDelta, TimeZone, Utc};
use kuaibao_core::photo::PhotoRef;
use kuaibao_core::rules::catalogue;
use kuaibao_core::rules::examples;
use kuaibao_core::wire::ids::PhotoId;
use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::{Family, Report, ReportId, Stage, Template};
use kuaibao_server::db::reports::ReportColumns;

/// The deployment's size.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub reports: usize,
    pub accounts: usize,
}

/// The password of every generated account (one argon2 hash for all: the
/// bench logs in as a few of them only).
pub const PASSWORD: &str = "province-bench-1";

/// The accounts the bench measures as, by level: username and area id.
/// Districts `d01` (6 townships, about 1/20 of the reports: the export of
/// about 100,000 records at two million) and `d02` (9 townships, a typical
/// district).
pub const PROVINCE_OFFICER: (&str, &str) = ("bench-province", "p");
pub const DISTRICT_OFFICER: (&str, &str) = ("bench-district", "d02");
pub const EXPORT_OFFICER: (&str, &str) = ("bench-export", "d01");
pub const TOWNSHIP_OFFICER: (&str, &str) = ("bench-township", "d02t1");
pub const GRID_OFFICER: (&str, &str) = ("bench-grid", "d02t1v01g1");

/// One area row.
pub struct Area {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    /// Kuaibao's tree has four levels, 区县 at the top; the province above
    /// them is stored with the top level's code (scope is by path, so an
    /// officer of the province reads everything below it).
    pub level: &'static str,
    pub path: String,
}

/// One account row.
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub area_id: String,
}

/// Townships per district: 120 in all, `d01` smaller than the rest.
const TOWNSHIPS: [usize; 14] = [6, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 8, 8, 8];
const VILLAGES_PER_TOWNSHIP: usize = 10;

/// The tree: 1 province, 14 districts, 120 townships, 1,200 villages and
/// 5,040 grids (4 per village, 5 in every fifth); and the grids' indexes.
pub fn areas() -> (Vec<Area>, Vec<usize>) {
    let mut out = vec![Area {
        id: "p".into(),
        parent_id: None,
        name: "压测省".into(),
        level: "district",
        path: "/p/".into(),
    }];
    let mut grids = Vec::new();
    let child = |out: &mut Vec<Area>, parent: usize, id: String, name: String, level| {
        let path = format!("{}{id}/", out[parent].path);
        out.push(Area {
            parent_id: Some(out[parent].id.clone()),
            id,
            name,
            level,
            path,
        });
        out.len() - 1
    };
    for (d, &townships) in TOWNSHIPS.iter().enumerate() {
        let did = format!("d{:02}", d + 1);
        let di = child(&mut out, 0, did.clone(), format!("第{}区", d + 1), "district");
        for t in 1..=townships {
            let tid = format!("{did}t{t}");
            let ti = child(&mut out, di, tid.clone(), format!("第{}区{t}镇", d + 1), "township");
            for v in 1..=VILLAGES_PER_TOWNSHIP {
                let vid = format!("{tid}v{v:02}");
                let vi = child(&mut out, ti, vid.clone(), format!("{v}村"), "village");
                let n = if v % 5 == 0 { 5 } else { 4 };
                for g in 1..=n {
                    grids.push(child(
                        &mut out,
                        vi,
                        format!("{vid}g{g}"),
                        format!("{v}村{g}网格"),
                        "grid",
                    ));
                }
            }
        }
    }
    (out, grids)
}

/// Officers for each area (2 for the province, 3 a district, 2 a township,
/// 1 a village and a grid; the measured ones among them), then reporters
/// spread over the grids round robin up to `scale.accounts`. Each
/// reporter's index in the returned reporters list is what reports name.
pub fn users(areas: &[Area], grids: &[usize], scale: Scale) -> (Vec<User>, Vec<usize>) {
    let mut out = Vec::with_capacity(scale.accounts);
    let mut n = 0u128;
    let mut user = |username: String, role, area: &Area| {
        n += 1;
        User {
            id: uuid::Builder::from_random_bytes((0x6b62_0000_0000_0000_0000_0000_0000_0000 | n).to_be_bytes())
                .into_uuid()
                .to_string(),
            display_name: format!("{}{}", if role == "officer" { "值班员" } else { "网格员" }, n),
            username,
            role,
            area_id: area.id.clone(),
        }
    };
    let measured = [
        PROVINCE_OFFICER,
        DISTRICT_OFFICER,
        EXPORT_OFFICER,
        TOWNSHIP_OFFICER,
        GRID_OFFICER,
    ];
    for area in areas {
        if let Some((name, _)) = measured.iter().find(|(_, id)| *id == area.id) {
            out.push(user((*name).to_owned(), "officer", area));
        }
        let officers = match (area.level, area.parent_id.is_none()) {
            (_, true) => 2,
            ("district", _) => 3,
            ("township", _) => 2,
            _ => 1,
        };
        for i in 0..officers {
            out.push(user(format!("{}-officer-{i}", area.id), "officer", area));
        }
    }
    let mut reporters = Vec::new();
    let mut g = 0;
    while out.len() < scale.accounts {
        let area = &areas[grids[g % grids.len()]];
        reporters.push(out.len());
        out.push(user(format!("{}-r{}", area.id, g / grids.len()), "reporter", area));
        g += 1;
    }
    (out, reporters)
}

/// splitmix64: fast, and the same sequence on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// What a record of a thread is: its template and stage.
#[derive(Clone, Copy)]
struct Step {
    template: &'static Template,
    stage: Stage,
}

/// One record to make: when it arrives, its thread, its place in it.
#[derive(Clone, Copy)]
struct Planned {
    received_ms: i64,
    thread: u32,
    step: u8,
}

/// One thread: who sends it and its records' steps.
struct ThreadPlan {
    /// When its first record arrives: the time in its id, and so in the
    /// thread's id that its later records name.
    start_ms: i64,
    reporter: u32,
    steps: Vec<Step>,
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The reports of one year, in arrival order: 60 % of threads incidents
/// (the catalogue's offered incident templates, uniformly; half a 首报
/// alone, 30 % a 首报 and a 终报, 20 % one to three 续报 before the 终报),
/// 40 % hazards (found; 60 % of them rectifying, 80 % of those rectified,
/// 80 % of those closed). Records that would arrive after `now` are not
/// there yet; the plan stops at `scale.reports` records.
pub struct Plan {
    threads: Vec<ThreadPlan>,
    records: Vec<Planned>,
    now_ms: i64,
}

impl Plan {
    pub fn new(scale: Scale, reporters: usize, now: DateTime<Utc>) -> Plan {
        let incidents: Vec<&'static Template> = catalogue::offered()
            .into_iter()
            .filter(|t| matches!(t.family, Family::Incident { .. }))
            .collect();
        let step = |template: &'static Template, stage| Step { template, stage };
        let now_ms = now.timestamp_millis();
        let year = 365 * DAY_MS;
        let mut rng = Rng::new(0x6b75_6169_6261_6f21);
        let mut threads = Vec::new();
        let mut records = Vec::with_capacity(scale.reports + scale.reports / 8);
        // Starts spread over the year; later records after them. A few
        // more records than asked, then the latest dropped: those had not
        // arrived yet.
        while records.len() < scale.reports + scale.reports / 16 {
            let start = now_ms - year + rng.below(year as u64) as i64;
            let mut steps = Vec::new();
            let mut times = vec![start];
            if rng.chance(0.6) {
                let template = incidents[rng.below(incidents.len() as u64) as usize];
                steps.push(step(template, Stage::Initial));
                let roll = rng.below(10);
                let mut t = start;
                if roll >= 7 {
                    for n in 1..=(1 + rng.below(3) as u32) {
                        t += HOUR_MS + rng.below(12 * HOUR_MS as u64) as i64;
                        steps.push(step(template, Stage::FollowUp { n }));
                        times.push(t);
                    }
                }
                if roll >= 5 {
                    t += 2 * HOUR_MS + rng.below(70 * HOUR_MS as u64) as i64;
                    steps.push(step(template, Stage::Final));
                    times.push(t);
                }
            } else {
                steps.push(step(&catalogue::HAZARD, Stage::Initial));
                let mut t = start;
                for (p, template, stage, min, spread) in [
                    (
                        0.6,
                        &catalogue::HAZARD_RECTIFYING,
                        Stage::Rectifying,
                        DAY_MS,
                        7 * DAY_MS,
                    ),
                    (
                        0.8,
                        &catalogue::HAZARD_RECTIFIED,
                        Stage::Rectified,
                        3 * DAY_MS,
                        27 * DAY_MS,
                    ),
                    (0.8, &catalogue::HAZARD_CLOSED, Stage::Closed, DAY_MS, 9 * DAY_MS),
                ] {
                    if !rng.chance(p) {
                        break;
                    }
                    t += min + rng.below(spread as u64) as i64;
                    steps.push(step(template, stage));
                    times.push(t);
                }
            }
            let thread = threads.len() as u32;
            for (i, &t) in times.iter().enumerate() {
                if t < now_ms {
                    records.push(Planned {
                        received_ms: t,
                        thread,
                        step: i as u8,
                    });
                }
            }
            threads.push(ThreadPlan {
                start_ms: start,
                reporter: rng.below(reporters as u64) as u32,
                steps,
            });
        }
        records.sort_by_key(|r| r.received_ms);
        records.truncate(scale.reports);
        Plan {
            threads,
            records,
            now_ms,
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }
}

/// One photo's row (and its `report_photos` link).
pub struct PhotoRow {
    pub photo_id: String,
    pub blank: String,
    pub sha256: String,
    pub size: i64,
    pub arrived_at: String,
}

/// One report's row, ready to load.
pub struct ReportRow {
    pub columns: ReportColumns,
    pub template_id: &'static str,
    pub template_version: i64,
    pub received_at: String,
    pub author_id: String,
    pub area_id: String,
    pub device_id: String,
    pub photos: Vec<PhotoRow>,
}

/// The plan's records, made one at a time in arrival order.
pub struct Reports<'a> {
    plan: &'a Plan,
    users: &'a [User],
    reporters: &'a [usize],
    /// Each template's example at each stage, made once: a record is a
    /// copy with its own ids and times.
    examples: Vec<(&'static str, u32, Stage, Report)>,
    next: usize,
    rng: Rng,
}

impl<'a> Reports<'a> {
    pub fn new(plan: &'a Plan, users: &'a [User], reporters: &'a [usize]) -> Reports<'a> {
        Reports {
            plan,
            users,
            reporters,
            examples: Vec::new(),
            next: 0,
            rng: Rng::new(0x7068_6f74_6f73),
        }
    }

    fn example(&mut self, step: Step) -> Report {
        // A 续报's example is the first 续报's, renumbered.
        let key = match step.stage {
            Stage::FollowUp { .. } => Stage::FollowUp { n: 1 },
            s => s,
        };
        let t = step.template;
        if let Some((_, _, _, r)) = self
            .examples
            .iter()
            .find(|(id, v, s, _)| *id == t.id && *v == t.version && *s == key)
        {
            return r.clone();
        }
        let r = examples::report(t, key);
        self.examples.push((t.id, t.version, key, r.clone()));
        r
    }
}

fn ms_time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().expect("a time within the year")
}

/// Ten bytes naming record `step` of `thread` (the rest of a UUIDv7).
fn id_bytes(tag: u8, thread: u32, step: u8, extra: u8) -> [u8; 10] {
    let t = thread.to_be_bytes();
    [tag, 0x62, t[0], t[1], t[2], t[3], step, extra, 0, 1]
}

impl Iterator for Reports<'_> {
    type Item = ReportRow;

    fn next(&mut self) -> Option<ReportRow> {
        let planned = *self.plan.records.get(self.next)?;
        self.next += 1;
        let thread = &self.plan.threads[planned.thread as usize];
        let step = thread.steps[planned.step as usize];
        let mut report = self.example(step);
        if let Stage::FollowUp { .. } = step.stage {
            report.stage = step.stage;
        }
        // Written up to ten minutes before it arrived (a weak link).
        let written_ms = planned.received_ms - self.rng.below(600_000) as i64;
        report.id = ReportId::from_parts(
            planned.received_ms as u64,
            id_bytes(0x52, planned.thread, planned.step, 0),
        );
        report.thread = (planned.step > 0)
            .then(|| ReportId::from_parts(thread.start_ms as u64, id_bytes(0x52, planned.thread, 0, 0)));
        report.written_at = ms_time(written_ms).with_timezone(&beijing());
        let arrived = ms_time((planned.received_ms + 60_000).min(self.plan.now_ms));
        let mut photos = Vec::new();
        for (i, p) in report.photos.iter_mut().enumerate() {
            let id = PhotoId::from_parts(written_ms as u64, id_bytes(0x50, planned.thread, planned.step, i as u8));
            let sha = format!(
                "{:016x}{:048x}",
                self.rng.next(),
                u128::from(planned.thread) << 8 | i as u128
            );
            *p = PhotoRef {
                id,
                sha256: sha.clone(),
                size: 150_000 + self.rng.below(300_000),
                ..p.clone()
            };
            photos.push(PhotoRow {
                photo_id: id.to_string(),
                blank: p.blank.clone(),
                sha256: sha,
                size: p.size as i64,
                arrived_at: arrived.to_rfc3339_opts(SecondsFormat::Micros, true),
            });
        }
        let columns = ReportColumns::of(&report, step.template).expect("an example report serialises");
        let author = &self.users[self.reporters[thread.reporter as usize]];
        Some(ReportRow {
            columns,
            template_id: step.template.id,
            template_version: i64::from(step.template.version),
            received_at: ms_time(planned.received_ms).to_rfc3339_opts(SecondsFormat::Micros, true),
            author_id: author.id.clone(),
            area_id: author.area_id.clone(),
            device_id: author.id.clone(),
            photos,
        })
    }
}

/// Now, less a minute: the plan's year ends just before the bench starts.
pub fn plan_now() -> DateTime<Utc> {
    Utc::now() - TimeDelta::minutes(1)
}

//! One line of the inbox: what, how grave, how its deadline stands (live,
//! from the server's clock), which stage, how long ago, where, who, the
//! photos and whether the office acknowledged it.

use chrono::{DateTime, TimeZone, Utc};
use kuaibao_core::desk::office::ThreadSummary;
use kuaibao_core::desk::{ago_words, deadline_key, deadline_words, most_pressing};
use kuaibao_core::wire::timestamp::beijing;
use kuaibao_core::Lang;
use leptos::prelude::*;

use crate::office::route::Route;
use crate::office::state::Desk;

#[component]
pub fn InboxLine(
    thread: ThreadSummary,
    /// The inbox's `server_time`.
    server_time: DateTime<Utc>,
    /// When the inbox was fetched, by the desk's clock (ms).
    at_ms: f64,
) -> impl IntoView {
    let desk = expect_context::<Desk>();
    let elapsed = move || ((desk.now_ms.get() - at_ms) / 1000.0).floor().max(0.0) as i64;
    let href = Route::Thread(thread.thread_id).to_hash();
    let grade = grade_badge(&thread);
    let stage = thread.stage_name(thread.latest_stage).get(Lang::Zh);
    let stage = if thread.finished {
        stage
    } else if thread.hazard {
        format!("{stage}（未销号）")
    } else {
        format!("{stage}（未终报）")
    };
    let first_received = thread.first_received_at;
    // When it happened and how long ago (a fire received just now may have
    // burned for 39 minutes); when it was received, if the time is not
    // stated.
    let occurred = thread
        .occurred_at
        .and_then(|t| beijing().from_local_datetime(&t).single());
    let age = move || {
        let now = server_time + chrono::Duration::seconds(elapsed());
        match occurred {
            Some(t) => format!(
                "{}（{}）",
                t.format("%m-%d %H:%M"),
                ago_words(t.with_timezone(&Utc), now, Lang::Zh)
            ),
            None => format!("收到于{}", ago_words(first_received, now, Lang::Zh)),
        }
    };
    let casualties = thread.casualties.words_zh();
    // A card on a phone-sized screen labels each cell; an empty one is
    // left out, label and all.
    let photos_label = (thread.photos_expected > 0).then_some("照片");
    let casualties_label = (!casualties.is_empty()).then_some("伤亡");
    let photos = (thread.photos_expected > 0).then(|| {
        let done = thread.photos_arrived >= thread.photos_expected;
        view! {
            <span class="photos" class:waiting=!done data-testid="line-photos">
                {format!("{}/{}", thread.photos_arrived, thread.photos_expected)}
            </span>
        }
    });
    let acknowledged = thread.acknowledged.clone();
    let asked = !thread.open_requests.is_empty();
    let ack = match acknowledged {
        // A report came after it (a logged call is not one): as the
        // incident page says, the office has not yet seen what is new. (The
        // line knows no ids: by time.)
        Some(a) if a.at < thread.latest_received_at => view! {
            <span class="ack stale" data-testid="line-ack" data-state="earlier" title=format!("{} 确认", a.by_name)>"已确认（之前的阶段）"</span>
        }
        .into_any(),
        Some(a) => view! {
            <span class="ack yes" data-testid="line-ack" data-state="yes" title=format!("{} 确认", a.by_name)>"已确认"</span>
        }
        .into_any(),
        None => view! { <span class="ack no" data-testid="line-ack" data-state="no">"未确认"</span> }.into_any(),
    };
    let deadline = deadline_cell(thread.clone(), elapsed);
    view! {
        <tr class="inbox-line" class:major=thread.major.is_some() data-testid="inbox-line" data-thread=thread.thread_id.to_string()
            data-grade=thread.grade.map_or(if thread.hazard { "hazard" } else { "none" }, |g| g.code())>
            <th scope="row">
                <a href=href data-testid="line-open">{kuaibao_core::desk::office::thread_title(&thread.title_zh, &thread.theme_zh)}</a>
                {(!thread.place.is_empty()).then(|| view! { <span class="place" data-testid="line-place">{thread.place.clone()}</span> })}
            </th>
            <td data-label="等级">{grade}</td>
            <td data-label=casualties_label data-testid="line-casualties">{casualties}</td>
            <td data-label="时限">{deadline}</td>
            <td data-label="阶段" data-testid="line-stage">{stage}</td>
            <td data-label="发生" data-testid="line-age">{age}</td>
            <td data-label="区域" data-testid="line-area">{thread.area.name.clone()}</td>
            <td data-label="报告人" data-testid="line-reporter">{thread.reporter_name.clone()}</td>
            <td data-label=photos_label>{photos}</td>
            <td>{ack}{asked.then(|| view! { <span class="asked" data-testid="line-asked">"已请求续报"</span> })}</td>
        </tr>
    }
}

/// The grade as a coloured badge; a hazard says so, a 重大隐患 loudly and
/// with its supervising office (挂牌督办).
pub fn grade_badge(thread: &ThreadSummary) -> impl IntoView {
    let (code, text) = match thread.grade {
        Some(g) => (g.code(), g.name().zh.to_owned()),
        None if thread.major.is_some() => ("major", "重大隐患".to_owned()),
        None if thread.hazard => ("hazard", "隐患".to_owned()),
        None => ("none", "未定级".to_owned()),
    };
    let supervisor = thread.major.as_ref().map(|m| {
        let by = m.supervisor.clone().unwrap_or_else(|| "未写明".to_owned());
        view! { <span class="supervisor" data-testid="supervisor">{format!("挂牌督办：{by}")}</span> }
    });
    view! { <span class=format!("grade grade-{code}") data-testid="grade-badge">{text}</span>{supervisor} }
}

/// The thread's most pressing deadline, live; a hazard's rectification.
pub fn deadline_cell(thread: ThreadSummary, elapsed: impl Fn() -> i64 + Send + Sync + Copy + 'static) -> impl IntoView {
    if thread.hazard {
        let soon = thread.major.as_ref().and_then(|m| m.due_soon_days);
        let text = match (thread.rectification_overdue_days, thread.rectify_by) {
            (Some(days), _) => format!("整改逾期 {days} 天"),
            (None, Some(by)) if thread.finished => format!("已销号（期限 {by}）"),
            (None, Some(by)) => match soon {
                Some(0) => format!("今天到整改期限（{by}）"),
                Some(days) => format!("距整改期限还剩 {days} 天（{by}）"),
                None => format!("整改期限 {by}"),
            },
            (None, None) => "无整改期限".to_owned(),
        };
        let state = match (thread.rectification_overdue_days, soon) {
            (Some(_), _) => "overdue",
            (None, Some(_)) => "due_soon",
            (None, None) => "running",
        };
        return view! { <span class=format!("deadline {state}") data-testid="line-deadline" data-state=state>{text}</span> }
            .into_any();
    }
    let lines = thread.deadlines;
    let now = Memo::new(move |_| {
        most_pressing(&lines, elapsed()).map(|(state, seconds, line)| (state, seconds, line.label_zh.clone()))
    });
    let now_state = move || now.get();
    view! {
        <span class=move || format!("deadline {}", now_state().map_or("clear", |(s, _, _)| deadline_key(s)))
            data-testid="line-deadline"
            data-state=move || now.get().map_or("clear", |(s, _, _)| deadline_key(s))>
            {move || match now.get() {
                Some((state, seconds, label)) => format!("{label} {}", deadline_words(state, seconds, Lang::Zh)),
                // No rule of this deployment applies (a 一般 event under
                // the national rules).
                None => "无报送时限".to_owned(),
            }}
        </span>
    }
    .into_any()
}

//! One record of the chain: its stage, its three times and the phone's
//! clock offset, its filled sentence, what it changed from the stage
//! before, and its photos.

use kuaibao_core::desk::written::fill_report;
use kuaibao_core::desk::{changes_between, corrected_written_words, record_clock_words};
use kuaibao_core::rules::stage::ThreadKind;
use kuaibao_core::wire::timestamp::parse_datetime;
use kuaibao_core::{Lang, Report, ReportId};
use leptos::prelude::*;

use super::photos::RecordPhotos;
use crate::office::api::StoredRecord;

#[component]
pub fn RecordCard(
    record: StoredRecord,
    /// The record before it in stage order, if any.
    previous: Option<Report>,
    hazard: bool,
    thread_id: ReportId,
) -> impl IntoView {
    let report = record.report.clone();
    let id = report.id;
    let stage = report
        .stage
        .name_for(ThreadKind::of_template_id(&report.template_id, hazard))
        .get(Lang::Zh);
    // A logged call's own time is when the call was made.
    let (event_key, event_label) = if report.stage.is_call() {
        ("called_at", "通话时间")
    } else {
        ("occurred_at", "事件发生时间")
    };
    let occurred = report
        .answers
        .get(event_key)
        .map(|t| parse_datetime(t).map_or_else(|| t.clone(), |t| crate::office::bj_naive(&t)));
    // In Beijing time, as everything on the desk; the phone's zone named
    // where it was another.
    // With the time its deadlines were judged by, where the phone's clock
    // was off.
    let (bj, zone) = kuaibao_core::desk::phone_time(report.written_at);
    let notes: Vec<String> = zone
        .map(|zone| format!("手机时区 {zone}"))
        .into_iter()
        .chain(corrected_written_words(&report, Lang::Zh))
        .collect();
    let written = if notes.is_empty() {
        bj
    } else {
        format!("{bj}（{}）", notes.join("；"))
    };
    // A record that came as a 短信首报 was received when the text was; the
    // app's copy (photos and all) completed it later. Sealed: the text was
    // made on the reporter's logged-in phone; unsealed: an officer entered
    // it, having (so the desk asks) called the reporter back.
    let received = format!(
        "{}{}",
        crate::office::bj(record.receipt.received_at),
        if record.receipt.via_sms {
            format!("（{}）", record.receipt.way_zh())
        } else {
            String::new()
        }
    );
    let offset = record_clock_words(report.clock_offset_ms, record.receipt.clock_offset_ms, Lang::Zh);
    // Who answers for the record: the account it came under, not the name
    // typed in its 报告人 blank (a 续报 an officer filed says so here).
    let author = record.author.as_ref().map_or_else(
        || "未记录（账号启用之前的记录）".to_owned(),
        |a| format!("{}（{}，{}）", a.display_name, a.role.name_zh(), a.username),
    );
    let sentence = fill_report(&report, Lang::Zh).unwrap_or_else(|| format!("（模板 {} 未知）", report.template_id));
    let changes = previous.map(|p| {
        let list = changes_between(&p, &report, Lang::Zh);
        if list.is_empty() {
            return view! { <p class="changes none" data-testid="stage-changes">"与上一阶段相比没有改动。"</p> }
                .into_any();
        }
        let items = list
            .into_iter()
            .map(|c| {
                let before = c.before.unwrap_or_else(|| "（空）".to_owned());
                let after = c.after.unwrap_or_else(|| "（空）".to_owned());
                view! {
                    <li data-testid="change" data-blank=c.blank>
                        <span class="label">{c.label.zh}</span>"："
                        <del>{before}</del>" → "<ins>{after}</ins>
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class="changes" data-testid="stage-changes">
                <h5>"本阶段改动"</h5>
                <ul>{items}</ul>
            </div>
        }
        .into_any()
    });
    let photos = (record.photos.expected > 0).then(|| view! { <RecordPhotos report_id=id count=record.photos/> });
    let _ = thread_id;
    view! {
        <li class="record" data-testid="chain-item" data-record=id.to_string()>
            <h4 data-testid="chain-stage">{stage}</h4>
            <dl class="times">
                {(!hazard).then(|| view! {
                    <dt>{event_label}</dt>
                    <dd data-testid="time-occurred">{occurred.unwrap_or_else(|| "未填".to_owned())}</dd>
                })}
                <dt>"手机填写时间"</dt>
                <dd data-testid="time-written">{written}</dd>
                <dt>"服务器接收时间"</dt>
                <dd data-testid="time-received">{received}</dd>
                <dt>"手机时钟偏差"</dt>
                <dd data-testid="clock-offset">{offset}</dd>
                <dt>"报送账号"</dt>
                <dd data-testid="record-author">{author}</dd>
            </dl>
            <p class="sentence" data-testid="sentence">{sentence}</p>
            {changes}
            {photos}
        </li>
    }
}

//! Photo uploads: after a report's text is delivered, each of its photos
//! goes up over tus, resuming from the server's offset after every drop,
//! until the server holds the exact bytes. Progress is written to the store
//! after every chunk, so a reload or crash resumes rather than restarts.
//! Like the text, photos go only with a valid session; a 401 leaves the
//! photo where it was and stops the pass until the next login.

use std::cell::{Cell, RefCell};

use kuaibao_core::backoff;
use kuaibao_core::wire::protocol::ApiError;
use kuaibao_core::{ReportId, Text};

use crate::session::{current_auth, Auth};
use crate::store::{LocalPhoto, Store, StoreError, Upload};
use crate::sync::outbox::{browser_online, earliest, NEED_LOGIN_NOTE};
use crate::sync::pool::{self, Task};
use crate::sync::tus::{held_offset, send_chunks, ChunkStop, TusAnswer, TusTransport};
use crate::words;

pub struct Uploader<T> {
    pub store: Store,
    pub tus: T,
}

/// What one pass over the photos did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UploadSummary {
    pub done: usize,
    pub rejected: usize,
    pub waiting: usize,
    /// Of those, the ones not sent for want of a valid session.
    pub held: usize,
    /// The server refused the session (401) during this pass.
    pub refused: bool,
    pub next_try_ms: Option<f64>,
    /// A request had no answer at all (no network, a cut link): what was
    /// not yet sent waits for the next try.
    pub link_down: bool,
}

/// Photos in flight at once. Each photo's creation and the answer to its
/// last chunk cost a round trip with the link idle; with a few photos going
/// up together the others' bytes fill it. Few enough that a 128 KiB chunk of
/// each still arrives well within the request timeout on a 2G link.
pub const PHOTOS_IN_FLIGHT: usize = 3;

/// How one photo's attempt ended.
#[derive(Debug)]
enum Step {
    Done,
    Rejected(String),
    /// Try again later, saying why, and no sooner than the server asked
    /// (`Retry-After`, seconds).
    Later(String, Option<u64>),
    /// No answer at all (no network, a cut link): try again later, and send
    /// nothing more in this pass.
    Unreachable(String),
    /// The server forgot the upload (expired): start a new one.
    Restart,
    /// The server refused the session: log in, then go on.
    NeedLogin,
}

/// What the photos of one pass share: what each learnt that the next must
/// know before it starts.
struct Pass<'a, J> {
    delivered: &'a dyn Fn(ReportId) -> bool,
    now_ms: f64,
    force: bool,
    /// `None` once the server refused the session in this pass.
    auth: RefCell<Option<Auth>>,
    /// A request had no answer at all: the rest wait for the next pass
    /// instead of each spending a try on a dead link.
    link_down: Cell<bool>,
    jitter: RefCell<J>,
    summary: RefCell<UploadSummary>,
}

impl<J: FnMut() -> f64> Pass<'_, J> {
    fn jitter(&self) -> f64 {
        (self.jitter.borrow_mut())()
    }

    /// One more photo still waiting after this pass, due at `next_try_ms`
    /// (`None`: it waits for a login).
    fn waiting(&self, next_try_ms: Option<f64>) {
        let mut summary = self.summary.borrow_mut();
        summary.waiting += 1;
        summary.next_try_ms = earliest(summary.next_try_ms, next_try_ms);
    }
}

impl<T: TusTransport> Uploader<T> {
    /// Sends every due photo whose report's text has been delivered
    /// (`delivered` says which), a few at a time ([`PHOTOS_IN_FLIGHT`]). A
    /// photo that fails never stops the others; a request without any
    /// answer ends the pass for the photos not yet started (the link is
    /// down), and they are tried again after the first step of the backoff.
    pub async fn drain(
        &self,
        delivered: &dyn Fn(ReportId) -> bool,
        now_ms: f64,
        force: bool,
        jitter: impl FnMut() -> f64,
        on_change: &dyn Fn(&LocalPhoto),
    ) -> Result<UploadSummary, StoreError> {
        let pass = Pass {
            delivered,
            now_ms,
            force,
            auth: RefCell::new(current_auth(&self.store, now_ms).await?),
            link_down: Cell::new(false),
            jitter: RefCell::new(jitter),
            summary: RefCell::new(UploadSummary::default()),
        };
        let photos = self.store.photos().await?;
        let tasks = photos
            .into_iter()
            .map(|photo| -> Task<'_, StoreError> { Box::pin(self.upload_one(photo, &pass, on_change)) });
        pool::run(PHOTOS_IN_FLIGHT, tasks).await?;
        let mut summary = pass.summary.into_inner();
        summary.link_down = pass.link_down.get();
        Ok(summary)
    }

    /// One photo's turn in a pass; `Ok(true)` when something was sent.
    async fn upload_one(
        &self,
        mut photo: LocalPhoto,
        pass: &Pass<'_, impl FnMut() -> f64>,
        on_change: &dyn Fn(&LocalPhoto),
    ) -> Result<bool, StoreError> {
        let now_ms = pass.now_ms;
        let Upload::Waiting {
            attempts, next_try_ms, ..
        } = photo.upload
        else {
            return Ok(false);
        };
        if !(pass.delivered)(photo.report_id) {
            return Ok(false);
        }
        let token = pass.auth.borrow().as_ref().map(|a| a.token.clone());
        let Some(token) = token else {
            pass.waiting(None);
            pass.summary.borrow_mut().held += 1;
            return Ok(false);
        };
        if !pass.force && !backoff::is_due(next_try_ms, now_ms) {
            pass.waiting(Some(next_try_ms));
            return Ok(false);
        }
        if pass.link_down.get() {
            // Untouched (its tries are not spent on a link known to be
            // down): due again when the link is next probed.
            let probe = now_ms + backoff::delay_ms(0, pass.jitter()) as f64;
            pass.waiting(Some(probe));
            return Ok(false);
        }
        let held_before = held(&photo);
        let step = match self.send(&mut photo, &token, on_change).await? {
            Step::Restart => self.send(&mut photo, &token, on_change).await?,
            step => step,
        };
        // Bytes got through since the last try (a chunk, or part of one the
        // server kept when the request was cut): on a link too slow for a
        // chunk within the request's timeout, a photo that moves is not
        // failing: its tries start again from none, and are not counted.
        let moved = held(&photo) > held_before;
        let attempts = if moved { 0 } else { attempts };
        let failed = if moved { 0 } else { attempts.saturating_add(1) };
        let mut waits_for_login = false;
        photo.upload = match step {
            Step::Done => {
                pass.summary.borrow_mut().done += 1;
                Upload::Done
            }
            Step::Rejected(reason) => {
                pass.summary.borrow_mut().rejected += 1;
                Upload::Rejected { reason }
            }
            Step::Later(error, wait_s) => later(
                &photo,
                failed,
                now_ms + backoff::delay_after_ms(attempts, pass.jitter(), wait_s) as f64,
                error,
            ),
            Step::Unreachable(error) => {
                pass.link_down.set(true);
                // No network at all, by the browser's own word: not the
                // photo's failure, so its backoff does not grow (as for
                // reports: it would sit out a short cut long after it
                // ended). With a network, it counts: a photo that can never
                // get through must not hold the others.
                let tries = if browser_online() { failed } else { attempts };
                later(
                    &photo,
                    tries,
                    now_ms + backoff::delay_ms(attempts, pass.jitter()) as f64,
                    // Hers to read at the photo: the browser's words go to
                    // the console.
                    {
                        leptos::logging::warn!("photo upload failed: {error}");
                        words::PHOTO_NO_ANSWER.zh.to_owned()
                    },
                )
            }
            Step::Restart => later(
                &photo,
                attempts.saturating_add(1),
                now_ms,
                "上传已过期，将重新开始".into(),
            ),
            // The session, not the photo: it keeps its place and its
            // tries, and nothing more goes out until the next login.
            Step::NeedLogin => {
                self.store.refuse_session(&token, now_ms).await?;
                pass.auth.replace(None);
                {
                    let mut summary = pass.summary.borrow_mut();
                    summary.refused = true;
                    summary.held += 1;
                }
                waits_for_login = true;
                later(&photo, attempts, now_ms, NEED_LOGIN_NOTE.to_owned())
            }
        };
        if let Upload::Waiting { next_try_ms, .. } = photo.upload {
            pass.waiting((!waits_for_login).then_some(next_try_ms));
        }
        self.keep(&photo).await;
        on_change(&photo);
        Ok(true)
    }

    /// Writes a photo's progress. Not written (a full phone), the upload
    /// goes on all the same: the server holds the bytes, and a later try
    /// asks it where to go on from (or is told the photo has arrived).
    async fn keep(&self, photo: &LocalPhoto) {
        if let Err(e) = self.store.put_photo(photo).await {
            leptos::logging::warn!("cannot write a photo's progress, it goes on: {e}");
        }
    }

    /// One attempt at one photo: create the upload (or, resuming one, ask
    /// the server's offset), then send the rest in chunks.
    async fn send(
        &self,
        photo: &mut LocalPhoto,
        token: &str,
        on_change: &dyn Fn(&LocalPhoto),
    ) -> Result<Step, StoreError> {
        let Upload::Waiting { url, .. } = &photo.upload else {
            return Ok(Step::Done);
        };
        let (url, offset) = match url.clone() {
            // Resuming: only the server knows how much of a cut chunk
            // arrived.
            Some(url) => match self.server_offset(&url, token).await {
                Ok(offset) => {
                    progress(photo, Some(url.clone()), offset);
                    (url, offset)
                }
                Err(Step::Restart) => {
                    progress(photo, None, 0);
                    return Ok(Step::Restart);
                }
                Err(step) => return Ok(step),
            },
            // A new upload holds nothing yet: no need to ask (a round trip
            // saved per photo).
            None => match self.tus.create(photo, token).await {
                Err(e) => return Ok(Step::Unreachable(e.0)),
                Ok(a) if a.status == 201 => match a.location {
                    Some(url) => {
                        progress(photo, Some(url.clone()), 0);
                        self.keep(photo).await;
                        (url, 0)
                    }
                    // A server's 201 names its upload: a header lost on
                    // the way.
                    None => return Ok(Step::Later(words::PHOTO_NOT_THE_SERVER.zh.to_owned(), None)),
                },
                Ok(a) => return Ok(judge(&a)),
            },
        };
        let Some(bytes) = self.store.photo_blob(photo.id, false).await? else {
            return Ok(lost());
        };
        let size = photo.size;
        let sent = send_chunks(&self.tus, &url, &bytes, offset, size, token, async |held| {
            progress(photo, Some(url.clone()), held);
            self.keep(photo).await;
            on_change(photo);
        })
        .await;
        Ok(match sent {
            Ok(()) => Step::Done,
            Err(ChunkStop::Gone) => {
                progress(photo, None, 0);
                Step::Restart
            }
            Err(stop) => stopped(stop),
        })
    }

    /// The bytes the server holds for an upload.
    async fn server_offset(&self, url: &str, token: &str) -> Result<u64, Step> {
        held_offset(&self.tus, url, token).await.map_err(stopped)
    }
}

/// What a photo's send that stopped short comes to.
fn stopped(stop: ChunkStop) -> Step {
    match stop {
        ChunkStop::Unreachable(e) => Step::Unreachable(e),
        ChunkStop::Unreadable => Step::Later("无法读取本机照片".into(), None),
        ChunkStop::BadOffset => Step::Later("服务器给出的进度有误".into(), None),
        ChunkStop::Gone => Step::Restart,
        ChunkStop::Answer(a) => judge(&a),
    }
}

/// An answer that is neither progress nor "start again": a definite refusal
/// of the photo (too large, not an image, not the announced bytes) rejects
/// it; anything that may pass (server busy, proxies, a chunk damaged on its
/// way: 460) is tried later.
fn judge(answer: &TusAnswer) -> Step {
    // The API's own sentence (Chinese first), else ours, as for reports: a
    // proxy's 5xx is a server out of reach, any other page (a Wi-Fi's
    // login) is not the server's.
    let detail = kuaibao_core::wire::json::from_str::<ApiError>(&answer.body)
        .map(|e| e.message)
        .unwrap_or_else(|_| match answer.status {
            500.. => words::PHOTO_NO_ANSWER.zh.to_owned(),
            _ => words::PHOTO_NOT_THE_SERVER.zh.to_owned(),
        });
    // The worker reads why, and what she can still do, in her words; the
    // server's own go to the console, for whoever helps her.
    let refused = |why: Text| {
        leptos::logging::warn!("photo refused: HTTP {}: {detail}", answer.status);
        cannot_send(why)
    };
    match answer.status {
        401 => Step::NeedLogin,
        413 => refused(Text::new(
            "无法上传：文件太大。",
            "Cannot be uploaded: the file is too large.",
        )),
        415 => refused(Text::new(
            "无法上传：服务器不收这种文件。",
            "Cannot be uploaded: the server takes no files of this kind.",
        )),
        422 => refused(Text::new(
            "无法上传：服务器收到的与报告中登记的不一致（文件可能已损坏）。",
            "Cannot be uploaded: what arrived is not what the report announced (the file may be damaged).",
        )),
        // Not taken for now, for nothing the worker can mend: the server
        // does not hold the photo's report (it came back from a restore,
        // its text is on its way again) or not as hers. Tried again, and
        // said at the photo.
        403 | 404 => {
            leptos::logging::warn!("photo not taken yet: HTTP {}: {detail}", answer.status);
            Step::Later(words::PHOTO_NOT_TAKEN_YET.zh.to_owned(), answer.retry_after_s)
        }
        _ => Step::Later(detail, answer.retry_after_s),
    }
}

/// A photo that cannot be sent, why, and what the worker can do.
fn cannot_send(why: Text) -> Step {
    let next = PHOTO_REFUSED_NEXT;
    Step::Rejected(format!("{}{} / {} {}", why.zh, next.zh, why.en, next.en))
}

/// A photo whose bytes the phone no longer holds (the browser cleared its
/// storage): nothing can send it, and a 续报 can carry a new one.
fn lost() -> Step {
    cannot_send(Text::new(
        "本机的照片数据已丢失（浏览器可能清理了存储）。",
        "The photo's data is gone from this phone (the browser may have cleared its storage).",
    ))
}

/// What a worker can do about a refused photo: its report's text has
/// arrived (photos go after it), so the picture can come with a 续报.
pub const PHOTO_REFUSED_NEXT: Text = Text::new(
    "报告文字已送达；如需补充现场照片，请在续报中重新拍摄。",
    "The report's text has arrived; to add site photos, take them again in a follow-up.",
);

fn progress(photo: &mut LocalPhoto, url: Option<String>, offset: u64) {
    if let Upload::Waiting { url: u, offset: o, .. } = &mut photo.upload {
        *u = url;
        *o = offset;
    }
}

/// The bytes of `photo` the server is known to hold.
fn held(photo: &LocalPhoto) -> u64 {
    match photo.upload {
        Upload::Waiting { offset, .. } => offset,
        _ => 0,
    }
}

/// Still waiting, with `attempts` tries counted so far.
fn later(photo: &LocalPhoto, attempts: u32, next_try_ms: f64, error: String) -> Upload {
    let (url, offset) = match &photo.upload {
        Upload::Waiting { url, offset, .. } => (url.clone(), *offset),
        _ => (None, 0),
    };
    Upload::Waiting {
        url,
        offset,
        attempts,
        next_try_ms,
        last_error: Some(error),
    }
}

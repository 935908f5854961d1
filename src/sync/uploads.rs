//! Photo uploads: after a report's text is delivered, each of its photos
//! goes up over tus, resuming from the server's offset after every drop,
//! until the server holds the exact bytes. Progress is written to the store
//! after every chunk, so a reload or crash resumes rather than restarts.
//! Like the text, photos go only with a valid session; a 401 leaves the
//! photo where it was and stops the pass until the next login.

use kuaibao_core::backoff;
use kuaibao_core::protocol::ApiError;
use kuaibao_core::ReportId;

use crate::session::current_auth;
use crate::store::{LocalPhoto, Store, StoreError, Upload};
use crate::sync::outbox::NEED_LOGIN_NOTE;
use crate::sync::tus::{TusAnswer, TusTransport};

/// Bytes per `PATCH`. The server keeps what arrived before a cut, so a drop
/// costs little whatever the size; smaller chunks only add round trips on
/// slow, high-latency links.
pub const CHUNK_BYTES: u64 = 256 * 1024;

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
}

/// How one photo's attempt ended.
#[derive(Debug)]
enum Step {
    Done,
    Rejected(String),
    /// Try again later, saying why.
    Later(String),
    /// The server forgot the upload (expired): start a new one.
    Restart,
    /// The server refused the session: log in, then go on.
    NeedLogin,
}

impl<T: TusTransport> Uploader<T> {
    /// Sends every due photo whose report's text has been delivered
    /// (`delivered` says which), one after the other. A photo that fails
    /// never stops the others.
    pub async fn drain(
        &self,
        delivered: &dyn Fn(ReportId) -> bool,
        now_ms: f64,
        force: bool,
        mut jitter: impl FnMut() -> f64,
        on_change: &dyn Fn(&LocalPhoto),
    ) -> Result<UploadSummary, StoreError> {
        let mut summary = UploadSummary::default();
        let mut auth = current_auth(&self.store, now_ms).await?;
        for mut photo in self.store.photos().await? {
            let Upload::Waiting {
                attempts, next_try_ms, ..
            } = photo.upload
            else {
                continue;
            };
            if !delivered(photo.report_id) {
                continue;
            }
            let Some(token) = auth.as_ref().map(|a| a.token.clone()) else {
                summary.waiting += 1;
                summary.held += 1;
                continue;
            };
            if !force && next_try_ms > now_ms {
                summary.waiting += 1;
                summary.next_try_ms = Some(summary.next_try_ms.map_or(next_try_ms, |t| t.min(next_try_ms)));
                continue;
            }
            let step = match self.send(&mut photo, &token, on_change).await? {
                Step::Restart => self.send(&mut photo, &token, on_change).await?,
                step => step,
            };
            let mut waits_for_login = false;
            photo.upload = match step {
                Step::Done => {
                    summary.done += 1;
                    Upload::Done
                }
                Step::Rejected(reason) => {
                    summary.rejected += 1;
                    Upload::Rejected { reason }
                }
                Step::Later(error) => later(
                    &photo,
                    attempts.saturating_add(1),
                    now_ms + backoff::delay_ms(attempts, jitter()) as f64,
                    error,
                ),
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
                    auth = None;
                    summary.refused = true;
                    summary.held += 1;
                    waits_for_login = true;
                    later(&photo, attempts, now_ms, NEED_LOGIN_NOTE.to_owned())
                }
            };
            if let Upload::Waiting { next_try_ms, .. } = photo.upload {
                summary.waiting += 1;
                if !waits_for_login {
                    summary.next_try_ms = Some(summary.next_try_ms.map_or(next_try_ms, |t| t.min(next_try_ms)));
                }
            }
            self.store.put_photo(&photo).await?;
            on_change(&photo);
        }
        Ok(summary)
    }

    /// One attempt at one photo: create the upload if needed, ask the
    /// server's offset, send the rest in chunks.
    async fn send(
        &self,
        photo: &mut LocalPhoto,
        token: &str,
        on_change: &dyn Fn(&LocalPhoto),
    ) -> Result<Step, StoreError> {
        let Upload::Waiting { url, .. } = &photo.upload else {
            return Ok(Step::Done);
        };
        let url = match url.clone() {
            Some(url) => url,
            None => match self.tus.create(photo, token).await {
                Err(e) => return Ok(Step::Later(e.0)),
                Ok(a) if a.status == 201 => match a.location {
                    Some(url) => {
                        progress(photo, Some(url.clone()), 0);
                        self.store.put_photo(photo).await?;
                        url
                    }
                    None => return Ok(Step::Later("服务器未给出上传地址".into())),
                },
                Ok(a) => return Ok(judge(&a)),
            },
        };
        let mut offset = match self.server_offset(&url, token).await {
            Ok(offset) => offset,
            Err(Step::Restart) => {
                progress(photo, None, 0);
                return Ok(Step::Restart);
            }
            Err(step) => return Ok(step),
        };
        let Some(bytes) = self.store.photo_blob(photo.id, false).await? else {
            return Ok(Step::Rejected("本机照片数据丢失".into()));
        };
        while offset < photo.size {
            let end = (offset + CHUNK_BYTES).min(photo.size);
            let Ok(chunk) = bytes.slice_with_f64_and_f64(offset as f64, end as f64) else {
                return Ok(Step::Later("无法读取本机照片".into()));
            };
            offset = match self.tus.patch(&url, offset, &chunk, token).await {
                Err(e) => return Ok(Step::Later(e.0)),
                Ok(a) if a.status == 204 => match a.offset {
                    Some(o) if o > offset && o <= photo.size => o,
                    _ => return Ok(Step::Later("服务器给出的进度有误".into())),
                },
                // Our idea of the offset is stale (an earlier cut chunk
                // arrived after all): ask again and go on from there.
                Ok(a) if a.status == 409 => match self.server_offset(&url, token).await {
                    Ok(o) => o,
                    Err(step) => return Ok(step),
                },
                Ok(a) if a.status == 404 || a.status == 410 => {
                    progress(photo, None, 0);
                    return Ok(Step::Restart);
                }
                Ok(a) => return Ok(judge(&a)),
            };
            progress(photo, Some(url.clone()), offset);
            self.store.put_photo(photo).await?;
            on_change(photo);
        }
        Ok(Step::Done)
    }

    /// The bytes the server holds for an upload.
    async fn server_offset(&self, url: &str, token: &str) -> Result<u64, Step> {
        match self.tus.offset(url, token).await {
            Err(e) => Err(Step::Later(e.0)),
            Ok(a) if a.status == 404 || a.status == 410 => Err(Step::Restart),
            Ok(TusAnswer {
                status: 200,
                offset: Some(o),
                ..
            }) => Ok(o),
            Ok(a) => Err(judge(&a)),
        }
    }
}

/// An answer that is neither progress nor "start again": a definite refusal
/// of the photo (too large, not an image, not the announced bytes) rejects
/// it; anything that may pass (server busy, proxies) is tried later.
fn judge(answer: &TusAnswer) -> Step {
    let reason = serde_json::from_str::<ApiError>(&answer.body)
        .map(|e| e.message)
        .unwrap_or_else(|_| format!("HTTP {}", answer.status));
    match answer.status {
        401 => Step::NeedLogin,
        413 | 415 | 422 | 460 => Step::Rejected(reason),
        _ => Step::Later(reason),
    }
}

fn progress(photo: &mut LocalPhoto, url: Option<String>, offset: u64) {
    if let Upload::Waiting { url: u, offset: o, .. } = &mut photo.upload {
        *u = url;
        *o = offset;
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

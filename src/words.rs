//! The app's own words on screen, in zh-CN (first) and English. Template
//! words live in the core catalogue.

use kuaibao_core::{Lang, Text};

pub const APP_NAME: Text = Text::new("快报", "Kuaibao");
/// The link an officer or administrator gets to the duty office's page.
pub const DUTY_OFFICE: Text = Text::new("进入值班室", "Duty office");
pub const NEW_REPORT: Text = Text::new("新建报告", "New report");
pub const CHOOSE_TEMPLATE: Text = Text::new("选择要报告的事件或隐患", "What are you reporting?");
pub const INCIDENTS: Text = Text::new("突发事件", "Incidents");
pub const FREQUENT: Text = Text::new("常用", "Most used");
pub const HAZARDS: Text = Text::new("风险隐患", "Hazards");
pub const GRADE: Text = Text::new("事件等级", "Severity grade");
pub const SUGGESTED: Text = Text::new("按所填数字建议", "Suggested by the figures");
pub const CHOSEN: Text = Text::new("确定等级", "Grade to report");
pub const GRADE_REASON: Text = Text::new("改定理由", "Reason for another grade");
pub const CHAIN: Text = Text::new("报告链", "Report chain");
pub const FILE_NEXT: Text = Text::new("报送", "File ");
pub const DEADLINES: Text = Text::new("报送时限", "Reporting deadlines");
pub const DUE_AT: Text = Text::new("截止", "due");
pub const LEFT: Text = Text::new("还剩", "left");
pub const OVERDUE: Text = Text::new("已超时", "overdue by");
/// A deadline of a graver grade, missed before a later report made the
/// event lesser (the span follows).
pub const LAPSED: Text = Text::new(
    "其后降级，不再需要；降级前已逾期",
    "no longer owed after a lower grade; missed before it by",
);
pub const MET: Text = Text::new("已按时报送，提前", "met, with time to spare:");
pub const MET_LATE: Text = Text::new("填写已迟，迟报", "written late, late by");
pub const DELIVERED_LATE: Text = Text::new(
    "按时填写、送达迟（无信号）",
    "written in time, delivered late (no signal) by",
);
pub const RULES_IN_FORCE: Text = Text::new("报送时限规则", "Reporting deadline rules");
/// 短信首报 (components/sms_button.rs).
pub const SMS_SEND: Text = Text::new("没有网络？发短信报送首报", "No data? Send the first report by SMS");
pub const SMS_PARTS: Text = Text::new("（约 {n} 条短信）", "({n} SMS parts)");
pub const SMS_HINT: Text = Text::new(
    "短信内容已写好，请不要改动，直接发送。值班室收到即算报送；有网络后本报告和照片仍会自动补发，不会重复。",
    "The text is ready: send it unchanged. The office counts it on arrival; the app still sends this report and its photos when data returns, without a duplicate.",
);
pub const SMS_NO_NUMBER: Text = Text::new(
    "本辖区未设置值班室号码：短信应用打开后，请自己填上值班室的手机号码再发送，并请管理员设置号码。",
    "No duty number is set for your area: when the messaging app opens, type the duty office's number yourself, then send; and ask the administrator to set the number.",
);
pub const SMS_SHOW_TEXT: Text = Text::new("查看短信内容", "Show the text");
/// A delivered record that reached the office by SMS first.
pub const VIA_SMS: Text = Text::new("短信先到", "by SMS first");
/// The app's build id (see `crate::crash::BUILD`), for a crash report.
pub const BUILD: Text = Text::new("快报版本", "App build");
pub const CALL_OFFICE: Text = Text::new("电话报告值班室", "Call the duty office");
pub const LOG_CALL: Text = Text::new(
    "已电话报告值班室：记录通话时间",
    "I called the duty office: log the time",
);
pub const NO_DUTY_PHONE: Text = Text::new(
    "本辖区未设置值班电话号码：请用其他方式电话报告值班室后点上面的按钮记录，并请管理员设置号码。",
    "No duty number is set for your area: call the office another way, tap the button above to log it, and ask the administrator to set the number.",
);
pub const CALLS_LOGGED: Text = Text::new(
    "已记录电话报告 {n} 次（电话报告与书面报告分别计时）",
    "{n} call(s) logged (the phone and the written report are timed apart)",
);
pub const FOR_THE_OFFICE: Text = Text::new("由值班室办理，时限", "for the duty office, due");
pub const RECTIFY_OVERDUE: Text = Text::new("整改逾期（天）", "Rectification overdue (days)");
pub const EVENT_TIME: Text = Text::new("事发时间", "Event time");
pub const CHANGED_FROM: Text = Text::new("上次为：", "was: ");
pub const CHANGED_NEW: Text = Text::new("本次新填", "new");
pub const TAKE_PHOTO: Text = Text::new("拍照", "Take photo");
pub const PICK_PHOTOS: Text = Text::new("从相册选", "From gallery");
pub const TAKE_VIDEO: Text = Text::new("录像", "Record video");
pub const RECORD_VOICE: Text = Text::new("录音", "Record voice");
pub const STOP_VOICE: Text = Text::new("停止录音（最长 5 分钟）", "Stop recording (5 min at most)");
pub const VOICE_FAILED: Text = Text::new(
    "无法录音：请在浏览器设置里允许使用麦克风后再试，或用手机自带的录音机录好后点「从相册选」添加。",
    "Cannot record: allow the microphone in the browser's settings and try again, or record with the phone's recorder and add it from the gallery.",
);
pub const NO_VOICE: Text = Text::new(
    "此浏览器不能在本页录音：可用手机自带的录音机录好后点「从相册选」添加，或在文字中说明。",
    "This browser cannot record here: record with the phone's recorder and add it from the gallery, or write it down.",
);
pub const VIDEO: Text = Text::new("现场视频", "Site video");
pub const VOICE: Text = Text::new("语音说明", "Voice note");
pub const PHOTO: Text = Text::new("现场照片", "Site photo");
pub const PHOTOS_HAVE: Text = Text::new("已有照片", "Photos:");
pub const PHOTOS_MIN: Text = Text::new("至少", "at least");
pub const PHOTO_WAITING: Text = Text::new("待上传", "waiting");
pub const PHOTO_SENDING: Text = Text::new("上传中", "uploading");
pub const PHOTO_SENT: Text = Text::new("已上传", "uploaded");
pub const PHOTO_REFUSED: Text = Text::new("被拒收", "refused");
/// Under a rectified hazard, on a reporter's phone.
pub const AWAITS_OFFICE: Text = Text::new(
    "整改已报送。下一步由辖区值班员到现场验收销号，您无需再操作。",
    "Rectification filed. Next, the area's duty officer verifies it on site and closes it; nothing more to do here.",
);
/// `{max}`: `kuaibao_core::photo::MAX_PHOTOS_PER_REPORT`.
pub const TOO_MANY_PHOTOS: Text = Text::new(
    "每份报告最多 {max} 张照片，其余的没有加入。请先删去不需要的照片。",
    "At most {max} photos per report: the rest were not added. Remove photos you do not need first.",
);
/// `{pct}`: how far; `{name}`: the file's name.
pub const MAKING_SMALLER: Text = Text::new(
    "正在压缩视频 {pct}%（{name}）：视频播放一遍即完成，可继续填写。",
    "Making the video smaller, {pct}% ({name}): done once it has played through; go on filling in.",
);
pub const STILL_ADDING: Text = Text::new(
    "照片或视频还在处理中，完成后再提交（不会丢失）。",
    "A photo or video is still being processed: submit once it is done (nothing is lost).",
);
pub const PHOTOS_ARRIVED: Text = Text::new("照片", "Photos");
pub const REMOVE: Text = Text::new("删除", "Remove");
/// A draft begun on this phone by another account than the one logged in.
pub const DRAFT_OF_ANOTHER: Text = Text::new(
    "这是 {who} 在本机填写的草稿：请由其本人登录后提交，您可以新建自己的报告。",
    "This draft was begun on this phone by {who}: they log in to file it. You can start a report of your own.",
);
/// The photos of a record read back from the server: the office has them,
/// this phone never did.
pub const PHOTOS_AT_OFFICE: Text = Text::new("在值班室，本机没有原图", "at the duty office, not on this phone");
/// This tab let a newer release in another tab have the database before
/// what was typed here could be saved.
pub const REPLACED_UNSAVED: Text = Text::new(
    "快报已在另一个标签页更新，本页刚输入的内容没能保存：请先把它复制下来，再刷新本页，在新版本里补上。",
    "Kuaibao was updated in another tab and what you just typed here could not be saved: copy it, reload this page and add it again there.",
);
/// On a colleague's thread, opened on a phone a grid shares.
pub const THREAD_OF_ANOTHER: Text = Text::new(
    "这是 {who} 上报的事件：续报、终报请由其本人登录后报送。",
    "This incident was reported by {who}: they log in to file its next reports.",
);
/// Before the place of the thread a later stage continues.
pub const ABOUT: Text = Text::new("接续：", "Continues: ");
pub const NOT_ON_PHONE: Text = Text::new(
    "这份报告已不在本机：草稿已删除，或已送达并移入存档。请返回列表。",
    "This report is no longer on this phone: the draft was deleted, or it was delivered and archived. Go back to the list.",
);
pub const REMOVE_CONFIRM: Text = Text::new("再点一次删除", "Tap again to remove");
pub const CURRENT: Text = Text::new("当前", "this one");
pub const MY_REPORTS: Text = Text::new("我的报告", "My reports");
pub const NO_REPORTS: Text = Text::new(
    "还没有报告。点上方按钮新建一份。",
    "No reports yet. Tap the button above to start one.",
);
pub const ONLINE: Text = Text::new("有网络", "Online");
pub const OFFLINE: Text = Text::new(
    // Short: it shares the top bar's one row with the name and the
    // language button, under which the deadline panel is pinned.
    "无网络：报告存在本机，有信号自动发送",
    "Offline: kept on this phone, sent when there is signal",
);
pub const SYNC_NOW: Text = Text::new("立即发送", "Send now");
pub const SEND_OFFLINE: Text = Text::new(
    "现在没有网络：报告都已存在本机，一有信号就自动发送，不必再点。",
    "No network now: every report is kept on this phone and goes by itself as soon as there is signal.",
);
pub const SYNCING: Text = Text::new("正在发送…", "Sending…");
pub const WAITING_COUNT: Text = Text::new("份等待发送", "waiting to be sent");
pub const PHOTOS_WAITING_COUNT: Text = Text::new(
    "另有 {n} 个照片或视频还在本机、尚未上传：有信号时自动上传，上传完之前请不要退出登录或清除浏览器数据。",
    "{n} photo(s) or clip(s) are still on this phone: they upload when there is signal. Until then, do not log out or clear the browser's data.",
);
pub const BACK: Text = Text::new("返回列表", "Back to list");
pub const SUBMIT: Text = Text::new("提交报告", "Submit report");
pub const FIX_ERRORS: Text = Text::new(
    "还有空格未填好，请看标红的空格",
    "Some blanks need attention: see the ones marked in red",
);
pub const DISCARD: Text = Text::new("删除草稿", "Delete draft");
pub const DISCARD_ASK: Text = Text::new(
    "确定删除这份草稿吗？已填的内容和照片都会删掉，不能恢复。",
    "Delete this draft? What you typed and its photos are removed for good.",
);
pub const DISCARD_KEEP: Text = Text::new("保留草稿", "Keep the draft");
pub const DISCARD_CONFIRM: Text = Text::new("确定删除", "Delete it");
pub const SAVED: Text = Text::new("已保存在本机", "Saved on this phone");
pub const SAVING: Text = Text::new("正在保存…", "Saving…");
pub const UNSAVED: Text = Text::new("有未保存的修改", "Unsaved changes");
pub const SAVE_FAILED: Text = Text::new("保存失败：", "Could not save: ");
pub const DRAFT_ELSEWHERE: Text = Text::new(
    "这份草稿已在另一个窗口中打开，请在那个窗口继续填写。关闭那个窗口后，这里会自动接着填写。",
    "This draft is open in another window: go on there. Once that window is closed, it opens here with what was typed.",
);
pub const FILED_ELSEWHERE: Text = Text::new(
    "这份报告已在另一个窗口提交，这里后来填写的内容没有保存。请回到首页查看；要补充内容，请写续报。",
    "This report was submitted in another window; what you typed here since is not saved. Go back to the list; to add to it, write a follow-up.",
);
// The phone's store, when it fails: what failed, then what to do.
pub const STORE_OPEN_FAILED: Text = Text::new("无法打开本机存储：", "Cannot open the phone's storage: ");
pub const STORE_ERROR: Text = Text::new("本机存储出错：", "The phone's storage failed: ");
pub const STORE_FULL: Text = Text::new(
    "手机存储空间不足。请回到首页，在“本机状态”中删除已送达的照片，或删除不需要的草稿、清理手机空间后重试；已保存的内容不会丢失。",
    "The phone is full. On the start screen, under “This phone”, delete delivered photos, or delete drafts you do not need, free some space and try again; nothing saved is lost.",
);
pub const STORE_REFUSED: Text = Text::new(
    "此浏览器（无痕模式或内置浏览器）不允许在本机保存。请用手机自带浏览器打开快报，并关闭无痕模式。",
    "This browser (a private window or an app's built-in browser) does not let Kuaibao save on the phone. Open Kuaibao in the phone's own browser, not in a private window.",
);
pub const STORE_BLOCKED: Text = Text::new(
    "快报还在另一个窗口或标签页里以旧版本开着，挡住了更新。请关闭其他快报窗口和标签页，再刷新本页；已保存的内容不会丢失。",
    "Kuaibao is still open at its old version in another window or tab, which holds up the update. Close the other Kuaibao windows and tabs, then reload this page; nothing saved is lost.",
);
pub const STORE_RETRY: Text = Text::new(
    "请重试；如反复出现，请重新打开快报或换用手机自带浏览器。已保存的内容不会丢失。",
    "Try again; if it keeps happening, reopen Kuaibao or use the phone's own browser. Nothing saved is lost.",
);
// Position, when the phone gives none.
pub const GEO_UNSUPPORTED: Text = Text::new(
    "此浏览器不能定位，请手动填写经纬度",
    "This browser cannot give a position: type the latitude and longitude",
);
pub const GEO_DENIED: Text = Text::new(
    "未获定位权限，请手动填写经纬度",
    "No permission to take the position: type the latitude and longitude",
);
pub const GEO_FAILED: Text = Text::new(
    "暂时无法定位（信号弱或手机定位未开），可到空旷处再点「获取当前位置」，或手动填写经纬度",
    "No position for now (weak signal, or location is off on the phone): tap “Use my position” again in the open, or type the latitude and longitude",
);
// A photo, clip or voice note the phone could not take in.
pub const PHOTO_UNREADABLE: Text = Text::new(
    "无法读取这张照片：可能已损坏或不是照片。请换一张，或重新拍摄。",
    "This photo cannot be read: it may be damaged or not a photo. Pick another, or take it again.",
);
pub const PHOTO_TOO_LARGE: Text = Text::new(
    "照片处理后仍然过大（{n} 字节）：请换一张，或重新拍摄。",
    "The photo is still too large after shrinking ({n} bytes): pick another, or take it again.",
);
pub const MEDIA_TOO_LARGE: Text = Text::new(
    "{what}太大（{mb} MB），上限 {max} MB（约 {s} 秒）。请录短一些再添加，或改拍照片。",
    "The {what} is too large ({mb} MB); the limit is {max} MB (about {s} s). Record a shorter one, or take photos instead.",
);
pub const MEDIA_TOO_LONG: Text = Text::new(
    "{what}太长（{s} 秒），上限 {max} 秒。请录短一些再添加，或分成几段。",
    "The {what} is too long ({s} s); the limit is {max} s. Record a shorter one, or several parts.",
);
pub const MEDIA_VIDEO: Text = Text::new("视频", "video");
pub const MEDIA_VOICE: Text = Text::new("录音", "voice note");
pub const MEDIA_UNSUPPORTED: Text = Text::new(
    "不支持这种文件（{type}）：请用照片（JPEG、PNG、WebP）、视频（WebM、MP4、MOV）或录音",
    "This kind of file ({type}) is not supported: use a photo (JPEG, PNG, WebP), a video (WebM, MP4, MOV) or a voice note",
);
pub const DRAFT: Text = Text::new("草稿", "Draft");
pub const WAITING: Text = Text::new("等待发送", "Waiting");
pub const SENDING: Text = Text::new("发送中", "Sending");
pub const DELIVERED: Text = Text::new("已送达", "Delivered");
pub const REJECTED: Text = Text::new("被退回", "Rejected");
/// A record the duty office filed in the worker's thread (its badge), and
/// who filed it.
pub const BY_OFFICE: Text = Text::new("值班室", "Duty office");
pub const FILED_BY: Text = Text::new("登记人", "Filed by");
pub const RECEIVED_AT: Text = Text::new("值班室收到时间", "Received by the duty office");
pub const NOT_RECEIVED: Text = Text::new("尚未送达", "not yet received");
pub const RECEIPT_NO: Text = Text::new("回执号", "Receipt no.");
pub const WRITTEN_AT: Text = Text::new("填报时间", "Written");
pub const LAST_ERROR: Text = Text::new("上次发送失败", "Last try failed");
pub const NEXT_TRY: Text = Text::new("将自动重试", "Will retry automatically");

/// Why a waiting report was not sent on its last try. Kept on the phone
/// in Chinese (`sync`'s `*_NOTE`s are their `zh`), as phones have always
/// kept them; shown in the screen's language by [`send_note`].
pub const NO_ANSWER: Text = Text::new(
    "连不上值班室服务器（没有信号或网络不稳），报告已存在本机",
    "No answer from the duty office's server (no signal, or a weak one); the report is kept on this phone",
);
pub const SERVER_BUSY: Text = Text::new(
    "值班室服务器暂时无法接收，报告已存在本机",
    "The duty office's server cannot take it just now; the report is kept on this phone",
);
pub const NOT_THE_SERVER: Text = Text::new(
    "收到的应答不是值班室服务器的（可能连着需要先登录的公共 Wi-Fi，或网络拦截了发送），报告已存在本机；可改用手机流量",
    "The answer was not the duty office's server's (a public Wi-Fi that needs its own login, or a network that blocks it); the report is kept on this phone; mobile data may get through",
);
pub const AWAITS_FIRST: Text = Text::new(
    "等待此事的首次报告送达值班室后自动发送",
    "Goes by itself once this event's first report has reached the duty office",
);
pub const SENT_TOO_MUCH: Text = Text::new(
    "本账号发送过多，服务器要求稍后再发；报告已存在本机。如有急情，请直接电话报告值班室",
    "This account has sent too much: the server asks to send later; the report is kept on this phone. If it is urgent, phone the duty office",
);

/// Why a photo waits when the server could not be reached.
pub const PHOTO_NO_ANSWER: Text = Text::new(
    "连不上值班室服务器（没有信号或网络不稳），照片已存在本机，会自动重新上传",
    "No answer from the duty office's server (no signal, or a weak one); the photo is kept on this phone and sent again by itself",
);
/// Why a photo waits when what answered had no words of the API's (a
/// public Wi-Fi's login page, a proxy's): as for reports, mobile data may
/// get through.
pub const PHOTO_NOT_THE_SERVER: Text = Text::new(
    "收到的应答不是值班室服务器的（可能连着需要先登录的公共 Wi-Fi，或网络拦截了发送），照片已存在本机，会自动重新上传；可改用手机流量",
    "The answer was not the duty office's server's (a public Wi-Fi that needs its own login, or a network that blocks it); the photo is kept on this phone and sent again by itself; mobile data may get through",
);
/// Why a photo the server does not take yet waits (answered 403 or 404:
/// its report is not there, as after a restore until its text is back).
pub const PHOTO_NOT_TAKEN_YET: Text = Text::new(
    "值班室服务器暂未接收这张照片，会自动重试；一直不成功请告诉管理员",
    "The duty office's server does not take this photo yet; it is tried again by itself; if it never goes, tell your administrator",
);

/// A note kept on a waiting report or photo, in `lang`: one of the notes
/// above in its own words, any other (an older version's, or the server's
/// own sentence) as it was kept.
pub fn send_note(kept: &str, lang: Lang) -> &str {
    [
        NO_ANSWER,
        SERVER_BUSY,
        NOT_THE_SERVER,
        AWAITS_FIRST,
        SENT_TOO_MUCH,
        PHOTO_NO_ANSWER,
        PHOTO_NOT_THE_SERVER,
        PHOTO_NOT_TAKEN_YET,
    ]
    .iter()
    .find(|t| t.zh == kept)
    .map_or(kept, |t| t.get(lang))
}
pub const FIX_AND_RESEND: Text = Text::new("修改后重新提交", "Fix and resend");
pub const NO_PLACE: Text = Text::new("（未填地点）", "(no place yet)");
/// Under the list's first page: more of the phone's own reports.
pub const LIST_MORE: Text = Text::new("显示更早的报告，还有", "Show older reports; more:");
/// Reports that left the phone (finished, all received, past the keep days).
pub const ARCHIVED_COUNT: Text = Text::new(
    "份已完结的报告已移出本机，回执已保留",
    "finished reports left this phone; receipts kept",
);
pub const ARCHIVE_OPEN: Text = Text::new("查看已移出本机的报告", "Reports no longer on this phone");
pub const ARCHIVE_TITLE: Text = Text::new("已移出本机的报告", "Reports no longer on this phone");
pub const ARCHIVE_EXPLAIN: Text = Text::new(
    "已完结、值班室全部收到且超过保留天数的报告会移出本机，以免列表变慢；这里保留它们的回执，完整内容在值班室服务器上。",
    "Finished reports the office has received in full leave the phone after the keep days, so the list stays quick; their receipts stay here and the full reports are on the office's server.",
);
pub const ARCHIVE_EMPTY: Text = Text::new("还没有移出本机的报告。", "No report has left this phone yet.");
pub const FROM_SERVER: Text = Text::new("从服务器加载我的全部报告", "Load all my reports from the server");
pub const FROM_SERVER_MORE: Text = Text::new("加载更多", "Load more");
pub const FROM_SERVER_TITLE: Text = Text::new("服务器上的报告（从最早的开始）", "On the server (oldest first)");
pub const FROM_SERVER_OFFLINE: Text = Text::new(
    "没有网络：连上网络后再点一次。本机的回执不受影响。",
    "No network: tap again once online. The receipts on this phone are not affected.",
);
pub const FROM_SERVER_FAILED: Text = Text::new(
    "从服务器加载失败，请稍后再试；如仍失败，请重新登录。",
    "Could not load from the server; try again later, or log in again.",
);
pub const FROM_SERVER_END: Text = Text::new("已全部加载。", "All loaded.");
pub const LOCATE: Text = Text::new("获取当前位置", "Use my position");
pub const LOCATING: Text = Text::new("正在定位…", "Locating…");
pub const NOW: Text = Text::new("现在", "Now");
pub const LATITUDE: Text = Text::new("纬度", "Latitude");
pub const LONGITUDE: Text = Text::new("经度", "Longitude");
pub const CHOOSE: Text = Text::new("请选择", "Choose");
/// `{m}`: metres.
pub const LOCATED: Text = Text::new("已定位，精度约 {m} 米", "Located, accurate to about {m} m");
pub const LOCATED_AUTO: Text = Text::new(
    "已自动记录当前位置，精度约 {m} 米；不想发送位置可点「不记录位置」",
    "Your position was taken as the form opened, accurate to about {m} m; tap \"Leave out position\" to not send it",
);
pub const FORGET_POSITION: Text = Text::new("不记录位置", "Leave out position");
pub const POSITION_CLEARED: Text = Text::new("已清除位置，不会发送", "Position cleared; it will not be sent");
pub const UPDATE_READY: Text = Text::new(
    "快报有新版本。草稿已保存，可放心更新。",
    "A new version of Kuaibao is ready. Drafts are saved.",
);
pub const UPDATE_NOW: Text = Text::new("立即更新", "Update now");
pub const DEVICE: Text = Text::new("本机状态", "This phone");
pub const STORAGE_PERSISTED: Text = Text::new(
    "本机存储：已设为持久保存，空间不足时浏览器不会清除",
    "Storage: persistent, not cleared when space runs low",
);
// Said over the list while something the office lacks is on a phone whose
// browser may delete it (`StorageInfo::may_clear`).
pub const AT_RISK: Text = Text::new(
    "这部手机上有值班室还没收到的报告、草稿或照片，浏览器可能会清除它们：请尽快联网发送，并把快报添加到主屏幕，以后从主屏幕图标打开。",
    "This phone holds reports, drafts or photos the duty office does not have yet, and the browser may clear them: send them as soon as there is signal, add Kuaibao to the home screen and open it from there.",
);
pub const AT_RISK_SAFARI: Text = Text::new(
    "iPhone：点 Safari 的分享按钮，选「添加到主屏幕」。在 Safari 里打开时，7 天没打开过快报，数据就会被删除。",
    "iPhone: tap Safari's Share button, then “Add to Home Screen”. Opened in Safari, Kuaibao's data is deleted after 7 days without a visit.",
);
pub const STORAGE_NOT_PERSISTED: Text = Text::new("本机存储：未获持久保存，空间不足时浏览器可能清除数据。请把快报添加到主屏幕，并尽快联网发送", "Storage: not persistent; the browser may clear it when space runs low. Add Kuaibao to the home screen and send reports as soon as you can");
pub const STORAGE_UNKNOWN: Text = Text::new(
    "本机存储：此浏览器不提供持久保存信息",
    "Storage: this browser does not say whether storage is persistent",
);
pub const STORAGE_USED: Text = Text::new("已用空间", "Space used");
/// Freeing space (components/device_panel.rs). `{n}`: photos; `{size}`:
/// their bytes, as "3.2 MB".
pub const DELIVERED_PHOTOS: Text = Text::new("已送达的照片：{n} 张，约 {size}", "Photos delivered: {n}, about {size}");
pub const NONE_DELIVERED: Text = Text::new(
    "本机没有已送达值班室的照片可删除。",
    "No photos here that the office already has.",
);
/// Its 10 is `OLDEST` in components/device_panel.rs.
pub const PRUNE_OLDEST: Text = Text::new("删除最早的 10 张", "Delete the oldest 10");
pub const PRUNE_ALL: Text = Text::new("删除全部已送达的照片", "Delete all delivered photos");
pub const PRUNE_WARNING: Text = Text::new(
    "将从本机删除 {n} 张已送达照片的原图，腾出约 {size}。值班室已收到并保存这些照片；报告、小图和未送达的照片都留在本机。",
    "This deletes the originals of {n} delivered photos from this phone, freeing about {size}. The office has them; the reports, thumbnails and undelivered photos stay here.",
);
pub const PRUNE_CONFIRM: Text = Text::new("确定删除原图", "Delete the originals");
pub const PRUNED: Text = Text::new(
    "已删除 {n} 张照片的原图，腾出约 {size}。",
    "Deleted {n} originals, freeing about {size}.",
);
/// Where a pruned photo was shown (components/photo_blank.rs).
pub const PHOTO_PRUNED: Text = Text::new(
    "照片已送达值班室，原图已从本机删除以腾出空间",
    "Delivered to the office; the original was deleted from this phone to free space",
);
pub const OFFLINE_READY: Text = Text::new(
    "离线可用：已缓存，无信号也能打开",
    "Works offline: cached, opens without signal",
);
pub const OFFLINE_NOT_READY: Text = Text::new(
    "离线功能未就绪：此浏览器不支持 Service Worker，无信号时可能无法打开",
    "Offline start not available: this browser has no service worker support",
);
pub const STORE_FAILED: Text = Text::new(
    "快报无法启动，报告无法保存。",
    "Kuaibao cannot start, and reports cannot be saved.",
);
pub const LANGUAGE: Text = Text::new("English", "中文");

// Logging in, and working on while the login has run out.
pub const LOGIN_TITLE: Text = Text::new("登录快报", "Log in to Kuaibao");
pub const LOGIN_INTRO: Text = Text::new(
    "首次使用需联网登录一次。登录后，无信号时也能填报，有信号时自动发送。",
    "Log in once, with signal. After that you can file reports without signal; they are sent when there is signal.",
);
pub const USERNAME: Text = Text::new("用户名", "Username");
pub const PASSWORD: Text = Text::new("密码", "Password");
pub const LOGIN: Text = Text::new("登录", "Log in");
pub const LOGGING_IN: Text = Text::new("正在登录…", "Logging in…");
pub const WRONG_CREDENTIALS: Text = Text::new("用户名或密码不正确", "Wrong username or password");
pub const LOGIN_OFFLINE: Text = Text::new(
    "登录需要网络。请到有信号的地方再试，已保存的报告不会丢失。",
    "Logging in needs signal. Try again where there is signal; saved reports are kept.",
);
pub const LOGIN_TOO_MANY: Text = Text::new(
    "尝试次数过多，请稍后再试",
    "Too many tries: wait a moment and try again",
);
pub const LOGIN_DISABLED: Text = Text::new(
    "此账号已停用，不能登录。本机未送达的报告仍保存在手机上；急事请直接打电话向值班室报告，并联系管理员。",
    "This account is disabled. Reports not yet sent stay on this phone; phone the duty office with anything urgent, and ask your administrator.",
);
pub const LOGIN_UNAVAILABLE: Text = Text::new(
    "服务器暂时无法登录，请稍后再试；已保存的报告不会丢失。",
    "The server cannot log you in right now; try again later. Saved reports are kept.",
);
pub const TEMPLATE_MISSING: Text = Text::new(
    "这份报告所用的模板，这一版快报里没有：请关闭快报重新打开（会自动更新），仍不行请电话报告值班室。",
    "This version of Kuaibao lacks the report's template: close and reopen the app (it updates itself); if it persists, phone the duty office.",
);
pub const ARCHIVE_UNREADABLE: Text = Text::new(
    "无法读取本机存档，请关闭快报重新打开后再试。",
    "The archive on this phone cannot be read: close and reopen the app, then try again.",
);
pub const LOGIN_UNREACHABLE: Text = Text::new(
    "连不上服务器（信号弱或网络不稳）。请到信号好的地方再点「登录」；已保存的报告不会丢失。",
    "No answer from the server (weak signal). Tap Log in again where the signal is better; saved reports are kept.",
);
pub const LOGIN_NOT_THE_SERVER: Text = Text::new(
    "收到的应答不是服务器的：连着的网络可能要先登录（公共 Wi-Fi）。请先在浏览器中完成 Wi-Fi 登录，或改用手机流量后再点「登录」。",
    "The answer was not the server's: the network may need its own login (public Wi-Fi). Log in to the Wi-Fi first, or use mobile data, then tap Log in.",
);
pub const SESSION_EXPIRED: Text = Text::new("登录已过期", "Your login has expired");
pub const SESSION_REFUSED: Text = Text::new("登录已失效", "Your login is no longer valid");
pub const QUEUED_SAVED: Text = Text::new(
    "条记录已保存，登录后自动发送",
    "saved on this phone, sent once you log in",
);
pub const KEEP_WORKING: Text = Text::new(
    "可以继续填报，报告先存在本机。",
    "You can keep filing: reports stay on this phone.",
);
pub const NEEDS_LOGIN: Text = Text::new(
    "登录已过期，重新登录后自动发送",
    "Login expired: sent automatically after you log in again",
);
pub const LOG_IN_AGAIN: Text = Text::new("重新登录", "Log in again");
pub const LOGGED_IN_AS: Text = Text::new("当前用户", "Logged in as");
pub const SESSION_UNTIL: Text = Text::new("登录有效至", "Login valid until");
pub const LOGOUT: Text = Text::new("退出登录", "Log out");
pub const LOGOUT_CONFIRM: Text = Text::new("确定退出", "Yes, log out");
pub const LOGOUT_WARNING: Text = Text::new(
    "退出后需联网重新登录才能继续填报和发送。已保存的报告和草稿都留在本机。",
    "After logging out you need signal to log in again before filing or sending. Saved reports and drafts stay on this phone.",
);
pub const LOGOUT_OFFLINE: Text = Text::new(
    "现在无网络：退出后要到有信号的地方才能重新登录。",
    "No signal now: after logging out you can only log in again where there is signal.",
);
pub const CANCEL: Text = Text::new("取消", "Cancel");
pub const OFFICE_ASKS: Text = Text::new("值班室请求续报", "The duty office asks for a follow-up");
pub const OFFICE_ASKS_SHORT: Text = Text::new("待续报", "Follow-up asked");
pub const SUBMITTED_BY: Text = Text::new("提交人", "Submitted by");
pub const WAITS_FOR_AUTHOR: Text = Text::new("待其登录后发送", "sent once they log in");
/// A thread's later record held back by its first record's refusal, which
/// a fix under a new id must take along (`sync::outbox`).
pub const WAITS_FOR_FIRST_FIX: Text = Text::new(
    "等首报：请把被退回的首报改好并提交，本条随后自动发送",
    "waits for its first report: fix the refused first report and submit it; this one goes after it",
);

/// A role's name on screen.
pub fn role_name(role: kuaibao_core::account::Role, lang: kuaibao_core::Lang) -> &'static str {
    use kuaibao_core::account::Role;
    match lang {
        kuaibao_core::Lang::Zh => role.name_zh(),
        kuaibao_core::Lang::En => match role {
            Role::Reporter => "Reporter",
            Role::Officer => "Duty officer",
            Role::Admin => "Administrator",
        },
    }
}

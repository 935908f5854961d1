//! One window edits a draft at a time. The same draft open in two windows
//! (the app from the home screen and a browser tab) would otherwise save
//! in turn, each its whole draft: what one typed is written over by the
//! other's next keystroke, silently. A Web Lock named after the draft is
//! held by the window that edits it; another window says so and waits,
//! then reloads once the lock is let go, to go on from what was saved.
//!
//! Web Locks are in every engine the app supports but the oldest Safaris
//! (before 15.4): there each window edits as before.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// What the lock of a draft said when asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// This window edits it (or the browser has no Web Locks).
    Here,
    /// Another window edits it; told again by `freed` when it lets go.
    Elsewhere,
}

/// This window's hold on a lock, or its wait for one: let go by
/// [`Hold::let_go`] (the editor closed), and by the browser when the page
/// goes.
#[derive(Default, Clone)]
pub struct Hold {
    release: Rc<RefCell<Option<Function>>>,
    wait: Rc<RefCell<Option<web_sys::AbortController>>>,
    /// Let go before the browser answered: an answer coming after takes
    /// nothing and waits for nothing (else the lock would be held for the
    /// page's life, and this very window told the draft is open elsewhere).
    gone: Rc<std::cell::Cell<bool>>,
}

impl Hold {
    pub fn let_go(&self) {
        self.gone.set(true);
        if let Some(release) = self.release.borrow_mut().take() {
            let _ = release.call0(&JsValue::NULL);
        }
        if let Some(wait) = self.wait.borrow_mut().take() {
            wait.abort();
        }
    }
}

/// Asks for the lock `name` without waiting: `answer` is told whose turn
/// it is (soon, not at once); when it is another window's, this one then
/// waits in line and `freed` is told once that window has let go.
pub fn take(name: &str, answer: impl FnOnce(Turn) + 'static, freed: impl FnOnce() + 'static) -> Hold {
    let hold = Hold::default();
    let Some(locks) = locks() else {
        answer(Turn::Here);
        return hold;
    };
    let (release, wait, gone) = (Rc::clone(&hold.release), Rc::clone(&hold.wait), Rc::clone(&hold.gone));
    let (locks_again, name_again) = (locks.clone(), name.to_owned());
    let granted = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        if gone.get() {
            // Returning at once lets a lock just granted go again.
            return JsValue::UNDEFINED;
        }
        if lock.is_null() {
            answer(Turn::Elsewhere);
            *wait.borrow_mut() = wait_in_line(&locks_again, &name_again, freed);
            return JsValue::UNDEFINED;
        }
        answer(Turn::Here);
        // Held until this promise settles: until `let_go`.
        Promise::new(&mut |resolve, _| *release.borrow_mut() = Some(resolve)).into()
    });
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    if request(&locks, name, &options, &granted).is_none() {
        // Refused outright (an opaque origin): edit here, as without locks.
        leptos::logging::warn!("cannot ask for the draft's lock");
    }
    hold
}

/// Waits for `name` and tells `freed` once it is had (let go again at
/// once); the controller aborts the wait.
fn wait_in_line(locks: &JsValue, name: &str, freed: impl FnOnce() + 'static) -> Option<web_sys::AbortController> {
    let controller = web_sys::AbortController::new().ok()?;
    let options = Object::new();
    let _ = Reflect::set(&options, &"signal".into(), &controller.signal());
    let got = Closure::once_into_js(move |_lock: JsValue| {
        freed();
    });
    let waiting = request(locks, name, &options, &got)?;
    // An aborted wait rejects: nothing to say of it. Kept as long as the
    // page (one small closure per draft opened elsewhere).
    let ignore = Closure::<dyn FnMut(JsValue)>::new(|_| {});
    let _ = waiting.catch(&ignore);
    ignore.forget();
    Some(controller)
}

/// `navigator.locks`, where there is one.
fn locks() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    Reflect::get(&navigator, &"locks".into())
        .ok()
        .filter(JsValue::is_object)
}

/// `locks.request(name, options, callback)`.
fn request(locks: &JsValue, name: &str, options: &Object, callback: &JsValue) -> Option<Promise> {
    let request = Reflect::get(locks, &"request".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    request
        .call3(locks, &name.into(), options, callback)
        .ok()?
        .dyn_into::<Promise>()
        .ok()
}

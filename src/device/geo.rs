//! The phone's position, from the Geolocation API when the user grants it.
//! Refusal or failure is normal: the user then types the coordinates.

use js_sys::Promise;
use kuaibao_core::Text;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::words;

/// A WGS-84 fix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeoError {
    #[error("{}", self.text().zh)]
    Unsupported,
    #[error("{}", self.text().zh)]
    Denied,
    /// The browser's own words stay in the value, for the console; the
    /// worker reads what to do.
    #[error("{}", self.text().zh)]
    Failed(String),
}

impl GeoError {
    /// What the worker reads, in her language.
    pub fn text(&self) -> Text {
        match self {
            GeoError::Unsupported => words::GEO_UNSUPPORTED,
            GeoError::Denied => words::GEO_DENIED,
            GeoError::Failed(_) => words::GEO_FAILED,
        }
    }
}

pub async fn locate() -> Result<Fix, GeoError> {
    let geolocation = web_sys::window()
        .and_then(|w| w.navigator().geolocation().ok())
        .ok_or(GeoError::Unsupported)?;
    let options = web_sys::PositionOptions::new();
    options.set_enable_high_accuracy(true);
    options.set_timeout(20_000);
    options.set_maximum_age(60_000);
    let mut started = Ok(());
    let promise = Promise::new(&mut |resolve, reject| {
        started = geolocation.get_current_position_with_error_callback_and_options(&resolve, Some(&reject), &options);
    });
    started.map_err(|e| GeoError::Failed(crate::platform::js_error(&e)))?;
    let position = JsFuture::from(promise).await.map_err(position_error)?;
    // The success callback only ever gets a GeolocationPosition; the
    // stable bindings call it by its old class name `Position`, which modern
    // engines no longer define, so no instanceof check here.
    let position: web_sys::Position = position.unchecked_into();
    let coords = position.coords();
    Ok(Fix {
        lat: coords.latitude(),
        lon: coords.longitude(),
        accuracy_m: coords.accuracy(),
    })
}

fn position_error(e: JsValue) -> GeoError {
    // Same naming caveat as above: read the error by its fields.
    let code = js_sys::Reflect::get(&e, &JsValue::from_str("code"))
        .ok()
        .and_then(|c| c.as_f64());
    match code {
        Some(c) if c as u16 == web_sys::PositionError::PERMISSION_DENIED => GeoError::Denied,
        Some(_) => GeoError::Failed(e.unchecked_into::<web_sys::PositionError>().message()),
        None => GeoError::Failed(crate::platform::js_error(&e)),
    }
}

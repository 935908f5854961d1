//! axum's extractors, with their rejections turned into [`AppError`], so a
//! bad request gets the API's JSON error rather than axum's plain text.

use axum::extract::FromRequest;
use axum::extract::FromRequestParts;

use super::error::AppError;

/// A JSON request body.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct JsonBody<T>(pub T);

/// Parameters from the path.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct PathParam<T>(pub T);

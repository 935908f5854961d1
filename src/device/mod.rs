//! Phone sensors the forms use.

pub mod geo;

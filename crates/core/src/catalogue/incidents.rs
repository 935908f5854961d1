//! The twelve incident categories (filled in below).

use crate::template::Template;

pub const INCIDENTS: &[&Template] = &[];

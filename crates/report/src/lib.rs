//! Renderers of an [`Assessment`], one module per output format, each with snapshot tests.
//! Renderers only convert: they never analyse, fetch or decide.

pub mod cyclonedx;
pub mod json;
pub mod text;

pub use baseline_model::Assessment;

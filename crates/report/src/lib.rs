//! Renderers of an [`Assessment`], one module per output format, each with snapshot tests.
//! Renderers only convert: they never analyse, fetch or decide.

pub mod cyclonedx;
pub mod html;
pub mod json;
pub mod markdown;
pub mod pdf;
pub mod sarif;
pub mod statement;
pub mod statement_pdf;
pub mod text;

pub use baseline_model::Assessment;

pub use baseline_model::checks::Registry;

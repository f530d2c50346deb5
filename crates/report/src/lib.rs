//! Renderers of an [`Assessment`], one module per output format, each with snapshot tests.
//! Renderers only convert: they never analyse, fetch or decide.

pub mod cyclonedx;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod statement;
pub mod statement_pdf;
pub mod text;

pub use baseline_model::Assessment;

/// Documentation of one finding code, passed in by the caller (the CLI builds it from the
/// analysis registry) so that this crate does not depend on the analysers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub code: String,
    pub name: String,
    pub summary: String,
    /// Markdown documentation.
    pub doc: String,
    pub requirements: Vec<String>,
}

//! Assessment of a product: the PSTI scope decision (`scope`), reading the product
//! description (`product_file`), the answers file (`answers`), the Annex B conditions (`conditions`), and evidence + answers →
//! verdicts (`engine`, one rule file per EN 303 645 clause under `rules/`, scheme summaries in
//! `summary`).
//!
//! Never does I/O: callers pass file contents in and render what comes back. Citations and
//! `uncertain` flags come from `baseline-catalogue`, so the law is written down in one place.

pub mod answers;
pub mod answers_template;
pub mod conditions;
pub mod engine;
mod engine_schemes;
pub mod product_file;
mod rules;
pub mod scope;
pub mod summary;

pub use answers::{parse_answers, Answers};
pub use engine::{evaluate, EngineInput, EngineOutput};

pub use product_file::parse_product;
pub use scope::{decide, deciding_reason};

/// Why an assessment step could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssessError {
    /// The product description is malformed, incomplete or contradictory. `line` and
    /// `column` are 1-based; `field` is the dotted key (`market.regions`) when known.
    #[error("{file}{}: {message}", location(*line, *column))]
    ProductFile {
        file: String,
        line: Option<usize>,
        column: Option<usize>,
        field: Option<String>,
        message: String,
    },
    /// The answers file is malformed or names something that does not exist.
    #[error("{file}{}: {message}", location(*line, *column))]
    AnswersFile {
        file: String,
        line: Option<usize>,
        column: Option<usize>,
        field: Option<String>,
        message: String,
    },
    /// A scheme asked for is not in the catalogue.
    #[error("{0}")]
    Catalogue(#[from] baseline_catalogue::CatalogueError),
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

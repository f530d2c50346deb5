//! Assessment of a product: the PSTI scope decision (`scope`), reading the product
//! description (`product_file`), and later evidence + answers → verdicts (one module each).
//!
//! Never does I/O: callers pass file contents in and render what comes back. Citations and
//! `uncertain` flags come from `baseline-catalogue`, so the law is written down in one place.

pub mod product_file;
pub mod scope;

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
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

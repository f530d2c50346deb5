//! Renderers of an assessment, one module per format. Never analyses.

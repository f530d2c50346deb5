//! One module per subcommand.
pub mod assess;

//! One module per subcommand.
pub mod answers;
pub mod assess;
pub mod statement;

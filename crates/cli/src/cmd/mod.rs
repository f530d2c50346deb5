//! One module per subcommand.
pub mod assess;
pub mod vulndb;

//! One module per subcommand.

pub mod catalogue;
pub mod scope;

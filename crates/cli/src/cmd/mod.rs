//! One module per subcommand.
pub mod unpack;

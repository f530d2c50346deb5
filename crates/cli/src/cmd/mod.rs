//! One module per subcommand.
pub mod assess;
pub mod catalogue;
pub mod scope;
pub mod unpack;

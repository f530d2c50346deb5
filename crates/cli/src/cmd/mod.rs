//! One module per subcommand.
pub mod security_txt;
pub mod site;

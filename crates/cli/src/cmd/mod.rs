//! One module per subcommand.
pub mod answers;
pub mod assess;
pub mod case;
pub mod catalogue;
pub mod checks;
pub mod scope;
pub mod security_txt;
pub mod serve;
pub mod site;
pub mod statement;
pub mod sweep;
pub mod unpack;
pub mod vulndb;

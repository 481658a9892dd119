//! One module per subcommand.

pub mod build;
pub mod measure;
pub mod new;
pub mod rebuild;
pub mod report;
pub mod variants;

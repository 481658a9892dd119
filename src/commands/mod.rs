//! One module per subcommand.

pub mod bake;
pub mod baseline;
pub mod build;
pub mod check;
pub mod clean;
pub mod compare;
pub mod completions;
pub mod doctor;
pub mod explain;
pub mod lock;
pub mod measure;
pub mod new;
pub mod pin;
pub mod rebuild;
pub mod report;
pub mod tour;
pub mod variants;

//! End to end on a real engine: real images, real containers.
//!
//! Without an engine these tests say "skipped: ..." on stderr and return;
//! `cargo xtask ci` sets DOCKWRIGHT_REQUIRE_ENGINE=1, which turns that skip
//! into a failure.

mod arm64;
mod bake;
mod builder;
mod cache_mounts;
mod check;
mod clean;
mod context;
mod doctor;
mod figures;
mod full_disk;
mod hashes;
mod lock;
mod measure;
mod pin;
mod pipes;
mod podman;
mod pull;
mod serve;
mod size;
mod start;
mod support;
mod tls;
mod tour;
mod wrapper;

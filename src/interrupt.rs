//! Ctrl-C. While dockwright only asks questions nothing is written yet, so the
//! handler restores the cursor a prompt may have hidden and exits with 130.
//!
//! Work that must not be cut in half takes a `Hold`: the handler then only
//! records the request and runs the registered clean-ups (restoring an edited
//! file, stopping the build in progress), and that work returns
//! `Interrupted` from the next `check()`, saving what has finished.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::error::exit;
pub use crate::error::Interrupted;
use crate::ui;

static HOLDS: AtomicUsize = AtomicUsize::new(0);
static REQUESTED: AtomicBool = AtomicBool::new(false);
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
type CleanUp = Box<dyn Fn() + Send>;
static CLEAN_UPS: Mutex<Vec<(u64, CleanUp)>> = Mutex::new(Vec::new());

pub fn install() {
    // A second installation (tests calling `run` twice) is harmless to skip.
    let _ = ctrlc::set_handler(|| {
        REQUESTED.store(true, Ordering::SeqCst);
        if let Ok(clean_ups) = CLEAN_UPS.lock() {
            for (_, clean_up) in clean_ups.iter() {
                clean_up();
            }
        }
        if HOLDS.load(Ordering::SeqCst) == 0 {
            ui::show_cursor();
            std::process::exit(exit::INTERRUPTED);
        }
    });
}

/// While a `Hold` lives, Ctrl-C is recorded instead of ending the process.
pub struct Hold(());

impl Hold {
    pub fn new() -> Hold {
        HOLDS.fetch_add(1, Ordering::SeqCst);
        Hold(())
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        HOLDS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `clean_up` on Ctrl-C for as long as the returned guard lives. It may
/// run on another thread, and together with the owner's own clean-up: make
/// it safe to run twice.
pub fn on_interrupt(clean_up: impl Fn() + Send + 'static) -> CleanUpGuard {
    let id = NEXT_ID.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut clean_ups) = CLEAN_UPS.lock() {
        clean_ups.push((id, Box::new(clean_up)));
    }
    CleanUpGuard(id)
}

pub struct CleanUpGuard(u64);

impl Drop for CleanUpGuard {
    fn drop(&mut self) {
        if let Ok(mut clean_ups) = CLEAN_UPS.lock() {
            clean_ups.retain(|(id, _)| *id != self.0);
        }
    }
}

/// `Err(Interrupted)` once Ctrl-C has been pressed.
pub fn check() -> Result<(), Interrupted> {
    if REQUESTED.load(Ordering::SeqCst) {
        Err(Interrupted)
    } else {
        Ok(())
    }
}

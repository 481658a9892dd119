//! Ctrl-C. While dockwright only asks questions nothing is written yet, so the
//! handler restores the cursor a prompt may have hidden and exits with 130.
//! Work that must not be cut in half takes a `Hold`: the handler then only
//! records the request, and that work checks `requested()` where stopping is
//! safe and undoes what it did.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::error::{exit, Interrupted};

static HOLDS: AtomicUsize = AtomicUsize::new(0);
static REQUESTED: AtomicBool = AtomicBool::new(false);

pub fn install() {
    // A second installation (tests calling `run` twice) is harmless to skip.
    let _ = ctrlc::set_handler(|| {
        REQUESTED.store(true, Ordering::SeqCst);
        if HOLDS.load(Ordering::SeqCst) == 0 {
            let _ = console::Term::stderr().show_cursor();
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

/// `Err(Interrupted)` once Ctrl-C has been pressed.
pub fn check() -> Result<(), Interrupted> {
    if REQUESTED.load(Ordering::SeqCst) {
        Err(Interrupted)
    } else {
        Ok(())
    }
}

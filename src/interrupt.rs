//! Ctrl-C. While dockwright only asks questions nothing is written yet, so the
//! handler restores the cursor a prompt may have hidden and exits with 130.

use crate::error::exit;

pub fn install() {
    // A second installation (tests calling `run` twice) is harmless to skip.
    let _ = ctrlc::set_handler(|| {
        let _ = console::Term::stderr().show_cursor();
        std::process::exit(exit::INTERRUPTED);
    });
}

//! Keeps the message of a panic on a worker's thread, so the supervisor can
//! show it as `last_error`, and sends every panic through tracing (the default
//! hook writes to stderr only, outside the JSON log).

use std::cell::RefCell;
use std::sync::{Arc, Mutex, Once};

/// Where the last panic message of one worker's thread is kept.
#[derive(Clone, Default)]
pub struct PanicSlot(Arc<Mutex<Option<String>>>);

impl PanicSlot {
    pub fn take(&self) -> Option<String> {
        self.0.lock().map(|mut m| m.take()).unwrap_or_default()
    }

    fn put(&self, message: String) {
        if let Ok(mut m) = self.0.lock() {
            *m = Some(message);
        }
    }
}

thread_local! {
    static SLOT: RefCell<Option<PanicSlot>> = const { RefCell::new(None) };
}

/// Routes panics on the calling thread into `slot`.
pub fn bind_current_thread(slot: PanicSlot) {
    SLOT.with(|s| *s.borrow_mut() = Some(slot));
}

/// The text of a panic payload.
pub fn payload_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

/// Installs the hook once per process; it wraps whatever hook was there.
pub fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = payload_message(info.payload());
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            tracing::error!(panic = %message, location = %location, "panic");
            SLOT.with(|s| {
                if let Some(slot) = s.borrow().as_ref() {
                    slot.put(message.clone());
                }
            });
            previous(info);
        }));
    });
}

//! Stable addresses of the workers: a worker's `Addr` changes when the
//! supervisor restarts it, so others reach it through here.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use actix::prelude::*;

use crate::domain::workers::name::WorkerName;

#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
#[rtype(result = "()")]
pub enum WorkerControl {
    /// New jobs may be waiting: claim them.
    Wake,
    /// Run the periodic work now.
    RunNow,
    /// The periodic interval may have become shorter (e.g. the sync worker
    /// has transfers to watch): bring the next run forward if it is later.
    Hurry,
    /// Finish what is running, take nothing new, then stop.
    Drain,
}

#[derive(Clone, Default)]
pub struct WorkerDirectory {
    inner: Arc<RwLock<HashMap<WorkerName, Recipient<WorkerControl>>>>,
}

impl WorkerDirectory {
    pub fn set(&self, name: WorkerName, recipient: Recipient<WorkerControl>) {
        if let Ok(mut map) = self.inner.write() {
            map.insert(name, recipient);
        }
    }

    pub fn remove(&self, name: WorkerName) {
        if let Ok(mut map) = self.inner.write() {
            map.remove(&name);
        }
    }

    /// Best effort: a worker that is down (or disabled) reloads its rows when
    /// it starts, so nothing is lost when this message is.
    pub fn send(&self, name: WorkerName, control: WorkerControl) {
        let recipient = self
            .inner
            .read()
            .ok()
            .and_then(|map| map.get(&name).cloned());
        if let Some(r) = recipient {
            r.do_send(control);
        }
    }
}

impl crate::lifecycle::WorkerWaker for WorkerDirectory {
    fn wake(&self, worker: WorkerName) {
        self.send(worker, WorkerControl::Wake);
    }

    fn run_now(&self, worker: WorkerName) {
        self.send(worker, WorkerControl::RunNow);
    }
}

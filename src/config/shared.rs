use std::sync::{Arc, RwLock};

use super::Config;

/// The configuration in force, replaced as a whole when settings change, so a
/// unit of work reads one consistent snapshot.
#[derive(Clone)]
pub struct SharedConfig {
    inner: Arc<RwLock<Arc<Config>>>,
}

impl SharedConfig {
    pub fn new(config: Config) -> Self {
        SharedConfig {
            inner: Arc::new(RwLock::new(Arc::new(config))),
        }
    }

    pub fn current(&self) -> Arc<Config> {
        match self.inner.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    pub fn replace(&self, config: Config) {
        let mut guard = match self.inner.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Arc::new(config);
    }
}

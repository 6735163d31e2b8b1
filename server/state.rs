//! What every request handler shares: the configuration, the database pool, the secret that signs
//! tokens, the search engine, and the gate that bounds how many uploads are parsed at once. The
//! composition root (`app`) builds it; handlers receive it as `web::Data<AppState>`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_web::web;

use crate::config::Config;
use crate::db::Pool;
use crate::error::{AppError, AppResult};
use crate::index::SearchEngine;

pub struct AppState {
    pub config: Config,
    pub pool: Pool,
    pub secret: Vec<u8>,
    pub search: Arc<dyn SearchEngine>,
    /// Bounds and counts the uploads being parsed off the request threads.
    pub imports: Gate,
}

/// How many uploads are parsed at once, each on a blocking thread of its own; more wait their turn
/// without holding a request thread.
pub const PARALLEL_IMPORTS: usize = 2;

/// Parsing an upload (a CSV or an XLSX that may unpack to 20 MB) takes memory and up to seconds of
/// a processor: it happens on blocking threads, a few at a time, and is counted for /readyz.
#[derive(Clone)]
pub struct Gate {
    permits: Arc<tokio::sync::Semaphore>,
    parsing: Arc<AtomicUsize>,
}

impl Gate {
    pub fn new(parallel: usize) -> Gate {
        Gate {
            permits: Arc::new(tokio::sync::Semaphore::new(parallel.max(1))),
            parsing: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Uploads being parsed right now.
    pub fn parsing(&self) -> usize {
        self.parsing.load(Ordering::SeqCst)
    }

    /// Waits for a turn, then runs `f` on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| AppError::internal(format!("import gate: {e}")))?;
        let parsing = self.parsing.clone();
        web::block(move || {
            let _permit = permit;
            parsing.fetch_add(1, Ordering::SeqCst);
            let _counted = Counted(parsing);
            f()
        })
        .await
        .map_err(|e| AppError::internal(format!("import parsing failed: {e}")))
    }
}

/// Takes one off the gauge when the parse ends, however it ends.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

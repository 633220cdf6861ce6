//! A fixed-size pool of named threads for blocking I/O work (downloads,
//! saves). Its size bounds concurrency: ten thousand books are still handled
//! by `size` threads, each taking the next book when it is done with one.

use std::sync::Mutex;

use crossbeam_channel::unbounded;

/// A pool of `size` threads named `{name}-{i}`.
#[derive(Debug, Clone)]
pub struct WorkerPool {
    name: &'static str,
    size: usize,
}

impl WorkerPool {
    /// A pool of `size` threads (at least one), named `name-N`.
    pub fn new(name: &'static str, size: usize) -> WorkerPool {
        WorkerPool {
            name,
            size: size.max(1),
        }
    }

    /// How many threads the pool has.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Runs `work` on every item, on at most `size` threads, and returns when
    /// all are done. Items may borrow (`&mut Book`), since the threads end
    /// before this returns.
    pub fn for_each<T: Send>(&self, items: impl IntoIterator<Item = T>, work: impl Fn(T) + Sync) {
        self.fold(items, || (), |(), item| work(item));
    }

    /// Runs `work` on every item, on at most `size` threads, each thread
    /// folding its items into a state of its own made by `init`; returns
    /// the threads' states when all items are done.
    pub fn fold<T: Send, S: Send>(
        &self,
        items: impl IntoIterator<Item = T>,
        init: impl Fn() -> S + Sync,
        work: impl Fn(&mut S, T) + Sync,
    ) -> Vec<S> {
        let (tx, rx) = unbounded();
        let mut count = 0;
        for item in items {
            let _ = tx.send(item);
            count += 1;
        }
        drop(tx);
        let threads = self.size.min(count);
        let states = Mutex::new(Vec::with_capacity(threads));
        let (init, work, states_ref) = (&init, &work, &states);
        std::thread::scope(|scope| {
            self.spawn_scoped(scope, threads, |_| {
                let mut state = init();
                for item in rx.iter() {
                    work(&mut state, item);
                }
                if let Ok(mut all) = states_ref.lock() {
                    all.push(state);
                }
            });
        });
        states.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts `threads` of the pool's threads (at most its size) in `scope`,
    /// each running `work(i)`, and returns at once; `scope` waits for them.
    /// The streamed mode's long-lived workers are started this way.
    pub fn spawn_scoped<'scope, 'env>(
        &self,
        scope: &'scope std::thread::Scope<'scope, 'env>,
        threads: usize,
        work: impl Fn(usize) + Send + Sync + 'scope,
    ) {
        let work = std::sync::Arc::new(work);
        for i in 0..threads.min(self.size) {
            let work = std::sync::Arc::clone(&work);
            std::thread::Builder::new()
                .name(format!("{}-{i}", self.name))
                .spawn_scoped(scope, move || work(i))
                .expect("the system refused to start a worker thread");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Mutex;

    #[test]
    fn every_item_once_on_bounded_threads() {
        let pool = WorkerPool::new("test", 4);
        let mut items: Vec<u32> = (0..1000).collect();
        let threads = Mutex::new(HashSet::new());
        pool.for_each(items.iter_mut(), |x| {
            *x *= 2;
            threads
                .lock()
                .unwrap()
                .insert(std::thread::current().name().unwrap().to_string());
        });
        assert!(items.iter().enumerate().all(|(i, &x)| x == 2 * i as u32));
        let threads = threads.into_inner().unwrap();
        assert!(!threads.is_empty() && threads.len() <= 4);
        assert!(threads.iter().all(|t| t.starts_with("test-")));
    }
}

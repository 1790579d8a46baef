//! Who creates the next Soulseek search, and when (`architecture.md`): one
//! creation at a time; at most `max_concurrent` searches running (a search
//! holds its slot from its creation until it ended on slskd); at most
//! `max_per_window` creations per window ([`SearchWindow`]); a person waiting
//! for an answer goes before background work, within the same limits, and
//! is given up on (answered "busy") rather than kept waiting past its start
//! deadline. Pure: the caller passes the clock and the live limits, and
//! carries out the decisions.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::domain::searches::window::SearchWindow;

/// The live limits, read for every decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_concurrent: u32,
    pub max_per_window: u32,
    pub window: Duration,
}

/// What to do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next<T> {
    /// Create this search now: it holds the creation turn and a slot.
    Create(T),
    /// This interactive request cannot start by its deadline: answer it.
    GiveUp(T),
    /// Nothing can start before this instant (the budget, or a deadline to
    /// enforce); ask again then, or when something changes.
    WaitUntil(Instant),
    /// Nothing to do until something changes (a request arrives, a creation
    /// or a search ends).
    Idle,
}

/// How a creation ended, for the budget and the slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creation {
    /// slskd created the search, or may have: it counts against the window
    /// from `at` and keeps its slot until [`SearchQueue::search_ended`].
    MayExist { at: Instant },
    /// It surely never existed (no connection, refused): no budget used,
    /// the slot is free again.
    Never,
}

/// The waiting requests and what is running.
#[derive(Debug)]
pub struct SearchQueue<T> {
    /// A person waits for these: (request, latest start).
    interactive: VecDeque<(T, Instant)>,
    background: VecDeque<T>,
    /// Slots held: the creation in flight and the searches running.
    running: usize,
    creating: bool,
    window: SearchWindow,
}

impl<T> Default for SearchQueue<T> {
    fn default() -> Self {
        SearchQueue {
            interactive: VecDeque::new(),
            background: VecDeque::new(),
            running: 0,
            creating: false,
            window: SearchWindow::new(),
        }
    }
}

impl<T> SearchQueue<T> {
    pub fn new() -> Self {
        SearchQueue::default()
    }

    /// A queue that goes on from the creations an earlier one made (they
    /// still count against the budget).
    pub fn resuming(window: SearchWindow) -> Self {
        SearchQueue {
            window,
            ..SearchQueue::default()
        }
    }

    /// A person waits for this search; it must start by `start_by`.
    pub fn push_interactive(&mut self, request: T, start_by: Instant) {
        self.interactive.push_back((request, start_by));
    }

    pub fn push_background(&mut self, request: T) {
        self.background.push_back(request);
    }

    /// Forgets the waiting requests nobody waits for any more.
    pub fn drop_waiting(&mut self, gone: impl Fn(&T) -> bool) {
        self.interactive.retain(|(r, _)| !gone(r));
        self.background.retain(|r| !gone(r));
    }

    /// Every waiting request, interactive ones first (shutdown, no slskd).
    pub fn take_waiting(&mut self) -> Vec<T> {
        let interactive = self.interactive.drain(..).map(|(r, _)| r);
        let mut all: Vec<T> = interactive.collect();
        all.extend(self.background.drain(..));
        all
    }

    /// The next decision; call again after `Create` and `GiveUp` until it
    /// answers `WaitUntil` or `Idle`.
    pub fn next(&mut self, now: Instant, limits: Limits) -> Next<T> {
        if let Some(i) = self.interactive.iter().position(|(_, by)| *by <= now) {
            if let Some((request, _)) = self.interactive.remove(i) {
                return Next::GiveUp(request);
            }
        }
        if self.interactive.is_empty() && self.background.is_empty() {
            return Next::Idle;
        }
        let first_deadline = self.interactive.iter().map(|(_, by)| *by).min();
        let max_concurrent = limits.max_concurrent.max(1) as usize;
        if self.creating || self.running >= max_concurrent {
            return first_deadline.map_or(Next::Idle, Next::WaitUntil);
        }
        let wait = self
            .window
            .wait_before_next(now, limits.max_per_window, limits.window);
        if !wait.is_zero() {
            let free_at = now + wait;
            // Waiting for the budget cannot help a request due earlier.
            if let Some(i) = self.interactive.iter().position(|(_, by)| *by < free_at) {
                if let Some((request, _)) = self.interactive.remove(i) {
                    return Next::GiveUp(request);
                }
            }
            return Next::WaitUntil(first_deadline.map_or(free_at, |d| d.min(free_at)));
        }
        let request = match self.interactive.pop_front() {
            Some((request, _)) => request,
            None => match self.background.pop_front() {
                Some(request) => request,
                None => return Next::Idle,
            },
        };
        self.creating = true;
        self.running += 1;
        Next::Create(request)
    }

    /// The creation handed out by [`Next::Create`] ended.
    pub fn creation_ended(&mut self, creation: Creation) {
        self.creating = false;
        match creation {
            Creation::MayExist { at } => self.window.record(at),
            Creation::Never => self.running = self.running.saturating_sub(1),
        }
    }

    /// A search that [`Creation::MayExist`] ended on slskd (completed,
    /// stopped, or deleted): its slot is free.
    pub fn search_ended(&mut self) {
        self.running = self.running.saturating_sub(1);
    }

    /// Slots held (the creation in flight included).
    pub fn running(&self) -> usize {
        self.running
    }

    pub fn waiting(&self) -> usize {
        self.interactive.len() + self.background.len()
    }

    /// Creations still inside the budget window.
    pub fn in_window(&self) -> usize {
        self.window.len()
    }

    /// Creations counting against the budget at `now`.
    pub fn used_at(&self, now: Instant, window: Duration) -> usize {
        self.window.used_at(now, window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_concurrent: 2,
        max_per_window: 100,
        window: Duration::from_secs(10),
    };

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn created(queue: &mut SearchQueue<&'static str>, now: Instant) -> &'static str {
        match queue.next(now, LIMITS) {
            Next::Create(r) => {
                queue.creation_ended(Creation::MayExist { at: now });
                r
            }
            other => panic!("expected a creation, got {other:?}"),
        }
    }

    #[test]
    fn one_creation_at_a_time() {
        let t0 = Instant::now();
        let mut q = SearchQueue::new();
        q.push_background("a");
        q.push_background("b");
        assert_eq!(q.next(t0, LIMITS), Next::Create("a"));
        assert_eq!(q.next(t0, LIMITS), Next::Idle, "a is still being created");
        q.creation_ended(Creation::MayExist { at: t0 });
        assert_eq!(q.next(t0, LIMITS), Next::Create("b"));
    }

    #[test]
    fn at_most_max_concurrent_searches_run() {
        let t0 = Instant::now();
        let mut q = SearchQueue::new();
        for r in ["a", "b", "c", "d"] {
            q.push_background(r);
        }
        let one = Limits {
            max_concurrent: 1,
            ..LIMITS
        };
        assert_eq!(q.next(t0, one), Next::Create("a"));
        q.creation_ended(Creation::MayExist { at: t0 });
        assert_eq!(q.next(t0, one), Next::Idle, "a runs");
        q.search_ended();
        assert_eq!(q.next(t0, one), Next::Create("b"));
        q.creation_ended(Creation::MayExist { at: t0 });
        // Raised live: one more may run at once.
        assert_eq!(q.next(t0, LIMITS), Next::Create("c"));
        q.creation_ended(Creation::MayExist { at: t0 });
        assert_eq!(q.running(), 2);
        assert_eq!(q.next(t0, LIMITS), Next::Idle);
        // Zero is read as one.
        q.search_ended();
        q.search_ended();
        let zero = Limits {
            max_concurrent: 0,
            ..LIMITS
        };
        assert_eq!(q.next(t0, zero), Next::Create("d"));
        q.creation_ended(Creation::MayExist { at: t0 });
        assert_eq!(q.next(t0, zero), Next::Idle);
    }

    #[test]
    fn a_resumed_queue_counts_the_earlier_creations() {
        let t0 = Instant::now();
        let tight = Limits {
            max_concurrent: 1,
            max_per_window: 1,
            window: Duration::from_secs(600),
        };
        let mut made = SearchWindow::new();
        made.record(t0);
        let mut q = SearchQueue::resuming(made);
        q.push_background("after a restart");
        assert_eq!(q.used_at(t0 + ms(1), tight.window), 1);
        assert_eq!(
            q.next(t0 + ms(1), tight),
            Next::WaitUntil(t0 + tight.window)
        );
        assert_eq!(
            q.next(t0 + tight.window, tight),
            Next::Create("after a restart")
        );
    }

    #[test]
    fn a_search_that_never_existed_frees_its_slot_and_budget() {
        let t0 = Instant::now();
        let mut q = SearchQueue::new();
        q.push_background("refused");
        q.push_background("next");
        let tight = Limits {
            max_concurrent: 1,
            max_per_window: 1,
            window: Duration::from_secs(600),
        };
        assert_eq!(q.next(t0, tight), Next::Create("refused"));
        q.creation_ended(Creation::Never);
        assert_eq!((q.running(), q.in_window()), (0, 0));
        assert_eq!(q.next(t0, tight), Next::Create("next"));
        q.creation_ended(Creation::MayExist { at: t0 });
        q.search_ended();
        q.push_background("later");
        assert_eq!(
            q.next(t0 + ms(1), tight),
            Next::WaitUntil(t0 + Duration::from_secs(600))
        );
    }

    #[test]
    fn people_go_before_background_work() {
        let t0 = Instant::now();
        let mut q = SearchQueue::new();
        for r in ["b1", "b2", "b3"] {
            q.push_background(r);
        }
        assert_eq!(created(&mut q, t0), "b1");
        q.push_interactive("person", t0 + Duration::from_secs(60));
        q.push_interactive("another", t0 + Duration::from_secs(60));
        assert_eq!(created(&mut q, t0), "person");
        q.search_ended();
        assert_eq!(created(&mut q, t0), "another");
        q.search_ended();
        assert_eq!(created(&mut q, t0), "b2");
        assert_eq!(q.waiting(), 1);
    }

    #[test]
    fn people_share_the_budget() {
        let t0 = Instant::now();
        let mut q = SearchQueue::new();
        let budget = Limits {
            max_per_window: 1,
            ..LIMITS
        };
        q.push_background("b");
        assert_eq!(q.next(t0, budget), Next::Create("b"));
        q.creation_ended(Creation::MayExist { at: t0 });
        // The budget frees at t0 + 10 s: a person due by then is answered at once.
        q.push_interactive("hurried", t0 + Duration::from_secs(5));
        assert_eq!(q.next(t0 + ms(1), budget), Next::GiveUp("hurried"));
        // One due later waits for the budget, then goes first.
        q.push_background("b2");
        q.push_interactive("patient", t0 + Duration::from_secs(30));
        assert_eq!(
            q.next(t0 + ms(1), budget),
            Next::WaitUntil(t0 + Duration::from_secs(10))
        );
        assert_eq!(
            q.next(t0 + Duration::from_secs(10), budget),
            Next::Create("patient")
        );
    }

    #[test]
    fn a_person_waiting_for_a_slot_is_given_up_at_the_deadline() {
        let t0 = Instant::now();
        let mut q = SearchQueue::new();
        let one = Limits {
            max_concurrent: 1,
            ..LIMITS
        };
        q.push_background("long");
        assert_eq!(q.next(t0, one), Next::Create("long"));
        q.creation_ended(Creation::MayExist { at: t0 });
        let by = t0 + Duration::from_secs(3);
        q.push_interactive("person", by);
        // Wake up at the deadline to answer, even though nothing else changes.
        assert_eq!(q.next(t0, one), Next::WaitUntil(by));
        assert_eq!(q.next(by, one), Next::GiveUp("person"));
        assert_eq!(q.next(by, one), Next::Idle);
    }

    #[test]
    fn gone_and_waiting_requests_can_be_taken_out() {
        let t0 = Instant::now();
        let mut q = SearchQueue::new();
        q.push_background("b1");
        q.push_background("gone");
        q.push_interactive("p", t0 + Duration::from_secs(1));
        q.drop_waiting(|r| *r == "gone");
        assert_eq!(q.waiting(), 2);
        assert_eq!(q.take_waiting(), vec!["p", "b1"]);
        assert_eq!(q.next(t0, LIMITS), Next::Idle);
    }
}

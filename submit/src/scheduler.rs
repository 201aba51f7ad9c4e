//! Creating the tasks: dependencies first, at most `concurrency` requests in flight.
//!
//! The main thread owns all bookkeeping; worker threads only send requests. A task becomes
//! ready when every in-graph dependency was acknowledged by the queue; ready tasks go out in
//! input order. A task's extra copies (`task_duplicates`) go out with it and hold nothing up.
//!
//! Outcomes: an acknowledged task is logged as created (in batches: every 100 ms the
//! acknowledgements so far are written and synced at once). A refused task (4xx) is a failure, and
//! every task that depends on it, directly or not, is skipped. A queue that stays unreachable
//! (or keeps answering 5xx) after retries stops the run: nothing new is sent, requests in
//! flight finish, and the rest is left for a resumed run.

use crate::definition::duplicate_task_id;
use crate::graph::{count_down, SubmitGraph};
use crate::progress::{Counts, Progress, Style};
use crate::queue::{CreateError, Queue};
use crate::state::StateLog;
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tg_core::cli::Log;
use tg_core::error::bad_input;

/// One request to send: copy `copy` of task `task`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Job {
    task: usize,
    copy: u32,
}

/// A task that could not be created.
#[derive(Debug, Clone)]
pub struct Failed {
    pub label: String,
    pub task_id: String,
    pub message: String,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Requests the queue acknowledged in this run.
    pub created: usize,
    /// Requests skipped because the state log already had them.
    pub already_created: usize,
    /// Requests refused, or unanswered when the run stopped.
    pub failed: Vec<Failed>,
    /// Tasks not sent because a dependency failed.
    pub skipped: Vec<usize>,
    /// Tasks not sent because the run stopped early.
    pub not_attempted: usize,
    /// Why the run stopped early (queue unreachable).
    pub stopped: Option<String>,
    /// TaskIds in the order they were acknowledged (this run).
    pub created_order: Vec<String>,
}

impl Outcome {
    pub fn is_success(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty() && self.not_attempted == 0 && self.stopped.is_none()
    }
}

/// Settings of one run.
pub struct Plan<'a> {
    pub graph: &'a SubmitGraph,
    /// createTask bodies, by task position.
    pub definitions: &'a [Value],
    /// Copies per task (1 = no duplicates).
    pub copies: &'a [u32],
    pub concurrency: usize,
    /// How often to print a progress line (when progress is shown as lines).
    pub progress_every: Duration,
    /// How progress is shown on stderr ([`crate::progress::style_for_stderr`]).
    pub progress: Style,
}

/// The createTask bodies of a run, by task position.
#[derive(Clone, Copy, Debug)]
pub enum Bodies<'a> {
    /// As JSON values (what [`Plan::definitions`] holds).
    Values(&'a [Value]),
    /// As compact JSON text ([`crate::definition::serialized_bodies`]), a fraction of the
    /// memory; each is parsed back (the same value) when its request is made.
    Serialized(&'a [Box<str>]),
}

impl Bodies<'_> {
    fn len(&self) -> usize {
        match self {
            Bodies::Values(values) => values.len(),
            Bodies::Serialized(texts) => texts.len(),
        }
    }

    /// The body of task `i`; an error names what is wrong (`check_plan` rules out a missing one).
    fn get(&self, i: usize) -> Result<Cow<'_, Value>, String> {
        let missing = || format!("no createTask body for task position {i}");
        match self {
            Bodies::Values(values) => values.get(i).map(Cow::Borrowed).ok_or_else(missing),
            Bodies::Serialized(texts) => {
                let text = texts.get(i).ok_or_else(missing)?;
                serde_json::from_str(text).map(Cow::Owned).map_err(|e| format!("createTask body: {e}"))
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Status {
    Waiting,
    Sent,
    Created,
    Failed,
    Skipped,
}

/// Bookkeeping of the main thread.
struct Book<'a> {
    plan: &'a Plan<'a>,
    remaining_deps: Vec<usize>,
    status: Vec<Status>,
    ready: BinaryHeap<Reverse<Job>>,
    outcome: Outcome,
    already: HashSet<String>,
    in_flight: usize,
    total_requests: usize,
    progress: Progress,
}

/// Create every task of `plan` on `queue`, logging acknowledgements to `state`.
pub fn submit(plan: &Plan, queue: &dyn Queue, state: Option<&mut StateLog>, log: &Log) -> anyhow::Result<Outcome> {
    submit_bodies(plan, Bodies::Values(plan.definitions), queue, state, log)
}

/// [`submit`] with the bodies given apart (`plan.definitions` is not read; tg-submit passes
/// them serialized to hold less memory).
pub fn submit_bodies(
    plan: &Plan,
    bodies: Bodies,
    queue: &dyn Queue,
    mut state: Option<&mut StateLog>,
    log: &Log,
) -> anyhow::Result<Outcome> {
    check_plan(plan, bodies)?;
    let graph = plan.graph;
    let already = state.as_ref().map(|s| s.created.clone()).unwrap_or_default();
    let total_requests = plan.copies.iter().map(|&c| c as usize).sum();
    let mut book = Book {
        plan,
        remaining_deps: graph.deps.iter().map(Vec::len).collect(),
        status: vec![Status::Waiting; graph.len()],
        ready: BinaryHeap::new(),
        outcome: Outcome::default(),
        already,
        in_flight: 0,
        total_requests,
        progress: Progress::start(plan.progress, total_requests, plan.progress_every, *log),
    };
    let roots: Vec<usize> = (0..graph.len()).filter(|&i| graph.dependencies_of(i).is_empty()).collect();
    for i in roots {
        book.push_ready(i);
    }
    let concurrency = plan.concurrency.max(1);

    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = mpsc::channel::<(Job, Result<(), CreateError>)>();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        for _ in 0..concurrency.min(book.total_requests.max(1)) {
            let done_tx = done_tx.clone();
            let job_rx = &job_rx;
            scope.spawn(move || worker(plan, bodies, queue, job_rx, done_tx));
        }
        drop(done_tx);
        let mut unlogged: Vec<String> = Vec::new();
        let mut last_flush = Instant::now();
        loop {
            book.dispatch(&job_tx, concurrency);
            if book.in_flight == 0 {
                break;
            }
            match done_rx.recv_timeout(FLUSH_EVERY) {
                Ok(first) => {
                    let mut batch = vec![first];
                    while let Ok(more) = done_rx.try_recv() {
                        batch.push(more);
                    }
                    unlogged.extend(book.settle(batch));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if last_flush.elapsed() >= FLUSH_EVERY {
                flush(queue, state.as_deref_mut(), &mut unlogged)?;
                last_flush = Instant::now();
            }
            book.progress.update(&book.counts());
        }
        drop(job_tx);
        flush(queue, state, &mut unlogged)
    })?;
    book.progress.finish();
    book.outcome.not_attempted = book.status.iter().filter(|s| **s == Status::Waiting).count();
    Ok(book.outcome)
}

/// One definition, one copy count, one taskId and one edge list per task of the graph: the
/// bookkeeping below looks them up by task position.
fn check_plan(plan: &Plan, bodies: Bodies) -> anyhow::Result<()> {
    let graph = plan.graph;
    let n = graph.len();
    let lengths = [
        ("definitions", bodies.len()),
        ("copy counts", plan.copies.len()),
        ("taskIds", graph.task_ids.len()),
        ("dependency lists", graph.deps.len()),
        ("dependent lists", graph.dependents.len()),
    ];
    match lengths.iter().find(|(_, len)| *len != n) {
        Some((what, len)) => Err(bad_input(format!("submit plan: {n} tasks but {len} {what}"))),
        None => Ok(()),
    }
}

/// How often acknowledged taskIds are written to the state log (one sync per flush). A run
/// killed between flushes re-sends at most this much work, with identical bodies.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// Make the destination durable, then log `unlogged` as created (in that order, so the log
/// never runs ahead of the dry-run file).
fn flush(queue: &dyn Queue, state: Option<&mut StateLog>, unlogged: &mut Vec<String>) -> anyhow::Result<()> {
    if unlogged.is_empty() {
        return Ok(());
    }
    queue.sync()?;
    if let Some(state) = state {
        state.record_created(unlogged.iter().map(String::as_str))?;
    }
    unlogged.clear();
    Ok(())
}

/// Send requests until the job channel closes.
fn worker(
    plan: &Plan,
    bodies: Bodies,
    queue: &dyn Queue,
    jobs: &Mutex<mpsc::Receiver<Job>>,
    done: mpsc::Sender<(Job, Result<(), CreateError>)>,
) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let task_id = duplicate_task_id(plan.graph.task_id(job.task), job.copy);
        // An error here is ruled out by `check_plan`; answering keeps the main thread's count right.
        let result = match bodies.get(job.task) {
            Ok(definition) => queue.create_task(&task_id, &definition),
            Err(why) => Err(CreateError::Rejected(why)),
        };
        if done.send((job, result)).is_err() {
            return;
        }
    }
}

impl Book<'_> {
    /// Queue task `i` (all its copies) for sending.
    fn push_ready(&mut self, i: usize) {
        if self.status.get(i) != Some(&Status::Waiting) {
            return;
        }
        for copy in 0..self.plan.copies.get(i).copied().unwrap_or(0) {
            self.ready.push(Reverse(Job { task: i, copy }));
        }
    }

    /// Send ready jobs while there is room; jobs the state log has are settled at once.
    fn dispatch(&mut self, jobs: &mpsc::Sender<Job>, concurrency: usize) {
        while self.outcome.stopped.is_none() && self.in_flight < concurrency {
            let Some(Reverse(job)) = self.ready.pop() else { return };
            if self.status.get(job.task) == Some(&Status::Skipped) {
                continue;
            }
            let task_id = self.task_id(job);
            if self.already.contains(&task_id) {
                self.outcome.already_created += 1;
                self.progress.debug(|| format!("already created {task_id} {}", self.label(job)));
                if job.copy == 0 {
                    self.mark_created(job.task);
                }
                continue;
            }
            if job.copy == 0 {
                self.set_status(job.task, Status::Sent);
            }
            if jobs.send(job).is_err() {
                return;
            }
            self.in_flight += 1;
        }
    }

    /// Record the answers of `batch`; returns the taskIds acknowledged.
    fn settle(&mut self, batch: Vec<(Job, Result<(), CreateError>)>) -> Vec<String> {
        let mut acknowledged = Vec::new();
        for (job, result) in batch {
            self.in_flight -= 1;
            let task_id = self.task_id(job);
            match result {
                Ok(()) => {
                    self.progress.debug(|| format!("created {task_id} {}", self.label(job)));
                    self.outcome.created += 1;
                    self.outcome.created_order.push(task_id.clone());
                    acknowledged.push(task_id);
                    if job.copy == 0 {
                        self.mark_created(job.task);
                    }
                }
                Err(err) => {
                    if let CreateError::Unavailable(why) = &err {
                        if self.outcome.stopped.is_none() {
                            self.outcome.stopped = Some(why.clone());
                        }
                    }
                    self.progress
                        .debug(|| format!("could not create {task_id} {}: {}", self.label(job), err.message()));
                    self.outcome.failed.push(Failed {
                        label: self.label(job),
                        task_id,
                        message: err.message().to_string(),
                    });
                    if job.copy == 0 {
                        self.set_status(job.task, Status::Failed);
                        // A refusal dooms the dependents; an outage only stops the run (they
                        // stay "not attempted", for a resumed run).
                        if matches!(err, CreateError::Rejected(_)) {
                            self.skip_dependents(job.task);
                        }
                    }
                }
            }
        }
        acknowledged
    }

    /// Task `i` exists: its dependents may become ready.
    fn mark_created(&mut self, i: usize) {
        self.set_status(i, Status::Created);
        let graph = self.plan.graph;
        for &d in graph.dependents_of(i) {
            if count_down(&mut self.remaining_deps, d) {
                self.push_ready(d);
            }
        }
    }

    /// Every task depending (transitively) on `i` will not be sent.
    fn skip_dependents(&mut self, i: usize) {
        let mut stack = vec![i];
        while let Some(n) = stack.pop() {
            for &d in self.plan.graph.dependents_of(n) {
                if self.status.get(d) == Some(&Status::Waiting) {
                    self.set_status(d, Status::Skipped);
                    self.outcome.skipped.push(d);
                    stack.push(d);
                }
            }
        }
    }

    fn set_status(&mut self, i: usize, status: Status) {
        if let Some(slot) = self.status.get_mut(i) {
            *slot = status;
        }
    }

    /// The taskId `job` creates.
    fn task_id(&self, job: Job) -> String {
        duplicate_task_id(self.plan.graph.task_id(job.task), job.copy)
    }

    fn label(&self, job: Job) -> String {
        let label = self.plan.graph.label(job.task);
        if job.copy == 0 {
            label.to_string()
        } else {
            format!("{label} (copy {})", job.copy + 1)
        }
    }

    fn counts(&self) -> Counts {
        Counts {
            done: self.outcome.created + self.outcome.already_created,
            created: self.outcome.created,
            total: self.total_requests,
            failed: self.outcome.failed.len(),
            skipped: self.outcome.skipped.len(),
            in_flight: self.in_flight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Records the taskIds it is asked to create.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl Queue for Recorder {
        fn create_task(&self, task_id: &str, _definition: &Value) -> Result<(), CreateError> {
            self.0.lock().map_err(|_| CreateError::Unavailable("poisoned".into()))?.push(task_id.to_string());
            Ok(())
        }
        fn target(&self) -> String {
            "test".into()
        }
        fn is_dry_run(&self) -> bool {
            true
        }
    }

    fn graph() -> SubmitGraph {
        let text = [
            json!({"kind": "k", "label": "b", "task_id": "B", "task": {"dependencies": ["A"]}}),
            json!({"kind": "k", "label": "a", "task_id": "A", "task": {}}),
        ]
        .iter()
        .map(|l| l.to_string() + "\n")
        .collect::<String>();
        SubmitGraph::read(text.as_bytes(), "<stdin>").unwrap()
    }

    fn plan<'a>(graph: &'a SubmitGraph, definitions: &'a [Value], copies: &'a [u32]) -> Plan<'a> {
        Plan {
            graph,
            definitions,
            copies,
            concurrency: 4,
            progress_every: Duration::from_secs(60),
            progress: Style::Silent,
        }
    }

    #[test]
    fn creates_dependencies_first() {
        let g = graph();
        let queue = Recorder::default();
        let outcome = submit(&plan(&g, &[json!({}), json!({})], &[1, 1]), &queue, None, &Log::quiet("t")).unwrap();
        assert!(outcome.is_success());
        assert_eq!(*queue.0.lock().unwrap(), vec!["A".to_string(), "B".to_string()]);
    }

    #[test]
    fn a_plan_with_missing_parts_is_an_error_not_a_panic() {
        let g = graph();
        let queue = Recorder::default();
        let log = Log::quiet("t");
        let e = submit(&plan(&g, &[json!({})], &[1, 1]), &queue, None, &log).unwrap_err();
        assert_eq!(e.to_string(), "submit plan: 2 tasks but 1 definitions");
        let e = submit(&plan(&g, &[json!({}), json!({})], &[1]), &queue, None, &log).unwrap_err();
        assert_eq!(e.to_string(), "submit plan: 2 tasks but 1 copy counts");
        let mut g = g;
        g.dependents.pop();
        let e = submit(&plan(&g, &[json!({}), json!({})], &[1, 1]), &queue, None, &log).unwrap_err();
        assert_eq!(e.to_string(), "submit plan: 2 tasks but 1 dependent lists");
        assert!(queue.0.lock().unwrap().is_empty());
    }
}
